package io.github.uwsgispringboot.protocol;

import java.net.InetAddress;
import java.net.UnixDomainSocketAddress;
import java.net.InetSocketAddress;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy.Network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class UwsgiAccessPolicyTests {

	@ParameterizedTest(name = "{0} contains {1}: {2}")
	@CsvSource({ "10.0.0.0/8, 10.1.2.3, true", "10.0.0.0/8, 11.0.0.1, false", "192.0.2.7, 192.0.2.7, true",
			"192.0.2.7, 192.0.2.8, false", "192.0.2.0/25, 192.0.2.127, true", "192.0.2.0/25, 192.0.2.128, false",
			"0.0.0.0/0, 203.0.113.9, true", "fd00::/8, fd12::1, true", "fd00::/8, fe80::1, false",
			"127.0.0.0/8, ::ffff:127.0.0.1, true", "::ffff:10.0.0.0/104, 10.9.9.9, true", "::1, 127.0.0.1, false" })
	void networkContainsTheAddressesOfItsPrefix(String cidr, String address, boolean contained) throws Exception {
		assertThat(Network.parse(cidr).contains(InetAddress.getByName(address))).isEqualTo(contained);
	}

	@ParameterizedTest
	@ValueSource(strings = { "example.com", "10.0.0.0/33", "10.0.0.0/x", "::1/129", "" })
	void somethingThatIsNotANetworkIsRefused(String cidr) {
		assertThatIllegalArgumentException().isThrownBy(() -> Network.parse(cidr));
	}

	@Test
	void peersWithoutAnAddressAreNotCheckedAgainstTheNetworks() {
		UwsgiAccessPolicy policy = new UwsgiAccessPolicy(List.of(Network.parse("10.0.0.0/8")), null, null);
		assertThat(policy.allows(UnixDomainSocketAddress.of("/run/app.sock"))).isTrue();
		assertThat(policy.allows(new InetSocketAddress("127.0.0.1", 1))).isFalse();
	}

	@Test
	void secretVarThatWouldBeAHeaderIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new UwsgiAccessPolicy(List.of(), "HTTP_X_SECRET", "s3cret"));
	}

}
