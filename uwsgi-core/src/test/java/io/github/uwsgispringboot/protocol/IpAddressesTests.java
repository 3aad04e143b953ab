package io.github.uwsgispringboot.protocol;

import java.net.Inet4Address;
import java.net.Inet6Address;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link IpAddresses}: literals are read, names are never looked up.
 */
class IpAddressesTests {

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "0.0.0.0", "192.0.2.7", "255.255.255.255", "10.0.0.1", "1.2.3.4", "09.8.7.6" })
	void ipv4LiteralsAreRead(String text) {
		assertThat(IpAddresses.parse(text)).isInstanceOf(Inet4Address.class);
		assertThat(IpAddresses.bytes(text)).hasSize(4);
	}

	@Test
	void ipv4BytesAreTheAddresssBytes() {
		assertThat(IpAddresses.bytes("192.0.2.255")).containsExactly(192, 0, 2, 255);
		assertThat(IpAddresses.parse("192.0.2.7").getHostAddress()).isEqualTo("192.0.2.7");
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "::1", "2001:db8::1", "fe80::1", "FD00::ABCD", "::" })
	void ipv6LiteralsAreRead(String text) {
		assertThat(IpAddresses.parse(text)).isInstanceOf(Inet6Address.class);
		assertThat(IpAddresses.bytes(text)).hasSize(16);
	}

	@Test
	void ipv4MappedIpv6IsSixteenBytes() {
		assertThat(IpAddresses.bytes("::ffff:10.0.0.1")).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10,
				0, 0, 1);
	}

	@ParameterizedTest(name = "''{0}''")
	@ValueSource(strings = { "", "localhost", "example.com", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.", ".1.2.3",
			"1..2.3", "1.2.3.4444", "1.2.3.-4", "1.2.3.a", "1.2.3./", "1.2.3.:", "unix:", "fe80::1%eth0", "[::1]",
			"::g", "2001:db8::1::2", " 1.2.3.4" })
	void anythingElseIsNoAddress(String text) {
		assertThat(IpAddresses.parse(text)).isNull();
		assertThat(IpAddresses.bytes(text)).isNull();
	}

	@Test
	void nullIsNoAddress() {
		assertThat(IpAddresses.parse(null)).isNull();
	}

}
