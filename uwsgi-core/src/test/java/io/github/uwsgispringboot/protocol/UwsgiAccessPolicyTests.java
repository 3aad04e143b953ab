package io.github.uwsgispringboot.protocol;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnixDomainSocketAddress;
import java.net.InetSocketAddress;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy.Network;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link UwsgiAccessPolicy}: who may send requests, and what the application sees of a
 * request that passed.
 */
class UwsgiAccessPolicyTests {

	private static final InetSocketAddress ALLOWED_PEER = new InetSocketAddress("10.1.2.3", 40000);

	private static final InetSocketAddress OTHER_PEER = new InetSocketAddress("192.0.2.7", 40000);

	private static final UnixDomainSocketAddress UNIX_PEER = UnixDomainSocketAddress.of("");

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

	@Test
	void openPolicyPassesEveryRequestAsItIs() {
		UwsgiRequest request = request("UWSGI_SECRET", "anything");
		assertThat(UwsgiAccessPolicy.OPEN.isRestricted()).isFalse();
		assertThat(UwsgiAccessPolicy.OPEN.check(OTHER_PEER, request)).isSameAs(request);
		assertThat(UwsgiAccessPolicy.OPEN.check(UNIX_PEER, request)).isSameAs(request);
	}

	@Test
	void peerOutsideTheAllowedNetworksIsRefused403() {
		UwsgiAccessPolicy policy = new UwsgiAccessPolicy(List.of(Network.parse("10.0.0.0/8"), Network.parse("::1")), null,
				null);
		assertThat(policy.isRestricted()).isTrue();
		UwsgiRequest request = request();
		assertThat(policy.check(ALLOWED_PEER, request)).isSameAs(request);
		assertThat(policy.check(new InetSocketAddress("::1", 1), request)).isSameAs(request);
		assertThatExceptionOfType(UwsgiProtocolException.class).isThrownBy(() -> policy.check(OTHER_PEER, request))
			.satisfies((ex) -> {
				assertThat(ex.reason()).isEqualTo(Reason.CLIENT_NOT_ALLOWED);
				assertThat(ex.reason().status()).isEqualTo(403);
				assertThat(ex).hasMessageEndingWith(": not in uwsgi.allowed-clients");
			});
	}

	@Test
	void peerWithAnUnresolvedAddressIsRefused() {
		UwsgiAccessPolicy policy = new UwsgiAccessPolicy(List.of(Network.parse("0.0.0.0/0")), null, null);
		assertThatExceptionOfType(UwsgiProtocolException.class)
			.isThrownBy(() -> policy.check(InetSocketAddress.createUnresolved("10.0.0.1", 1), request()))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(Reason.CLIENT_NOT_ALLOWED));
	}

	@Test
	void requestWithTheSecretPassesWithoutIt() {
		UwsgiAccessPolicy policy = new UwsgiAccessPolicy(List.of(), "UWSGI_SECRET", "s3cret");
		assertThat(policy.isRestricted()).isTrue();
		UwsgiRequest passed = policy.check(OTHER_PEER, request("UWSGI_SECRET", "s3cret", "HTTP_ACCEPT", "*/*"));
		assertThat(passed.vars().get("UWSGI_SECRET")).isNull();
		assertThat(passed.vars().size()).isEqualTo(4);
		assertThat(passed.remoteAddress()).isEqualTo(new InetSocketAddress("198.51.100.4", 0));
		assertThat(passed.header("Accept")).isEqualTo("*/*");
		assertThat(passed.uri()).isEqualTo("/");
	}

	@Test
	void requestWithoutTheSecretOrWithAnotherIsRefused403() {
		UwsgiAccessPolicy policy = new UwsgiAccessPolicy(List.of(), "UWSGI_SECRET", "s3cret");
		for (UwsgiRequest request : List.of(request(), request("UWSGI_SECRET", ""), request("UWSGI_SECRET", "s3cre"),
				request("UWSGI_SECRET", "s3crett"), request("UWSGI_SECRET", "S3CRET"), request("uwsgi_secret", "s3cret"),
				request("UWSGI_SECRET", "s3cret", "UWSGI_SECRET", "wrong"))) {
			assertThatExceptionOfType(UwsgiProtocolException.class).isThrownBy(() -> policy.check(UNIX_PEER, request))
				.satisfies((ex) -> {
					assertThat(ex.reason()).isEqualTo(Reason.SECRET_MISMATCH);
					assertThat(ex.reason().status()).isEqualTo(403);
					assertThat(ex).hasMessageEndingWith(": var UWSGI_SECRET");
				});
		}
	}

	@Test
	void theNetworkIsCheckedBeforeTheSecret() {
		UwsgiAccessPolicy policy = new UwsgiAccessPolicy(List.of(Network.parse("10.0.0.0/8")), "UWSGI_SECRET", "s3cret");
		assertThatExceptionOfType(UwsgiProtocolException.class)
			.isThrownBy(() -> policy.check(OTHER_PEER, request("UWSGI_SECRET", "s3cret")))
			.satisfies((ex) -> assertThat(ex.reason()).isEqualTo(Reason.CLIENT_NOT_ALLOWED));
		assertThat(policy.check(ALLOWED_PEER, request("UWSGI_SECRET", "s3cret")).vars().get("UWSGI_SECRET")).isNull();
	}

	@Test
	void secretNeedsAVarAndAValue() {
		assertThatIllegalArgumentException().isThrownBy(() -> new UwsgiAccessPolicy(List.of(), "UWSGI_SECRET", null))
			.withMessage("A shared secret needs both a var name and a value");
		assertThatIllegalArgumentException().isThrownBy(() -> new UwsgiAccessPolicy(List.of(), null, "s3cret"))
			.withMessage("A shared secret needs both a var name and a value");
		assertThatIllegalArgumentException().isThrownBy(() -> new UwsgiAccessPolicy(List.of(), "UWSGI_SECRET", ""))
			.withMessage("The shared secret must not be empty");
	}

	@Test
	void secretVarThatDescribesTheRequestIsRefused() {
		for (String var : List.of("", "HTTP_", "REMOTE_ADDR", "REQUEST_URI", "HTTPS", "CONTENT_LENGTH")) {
			assertThatIllegalArgumentException().isThrownBy(() -> new UwsgiAccessPolicy(List.of(), var, "s3cret"))
				.withMessageContaining("'" + var + "'");
		}
		assertThat(new UwsgiAccessPolicy(List.of(), "HTTPX", "s3cret").secretVar()).isEqualTo("HTTPX");
	}

	@Test
	void networksAreCopied() {
		List<Network> networks = new java.util.ArrayList<>(List.of(Network.parse("10.0.0.0/8")));
		UwsgiAccessPolicy policy = new UwsgiAccessPolicy(networks, null, null);
		networks.clear();
		assertThat(policy.allowedNetworks()).hasSize(1);
		assertThat(policy.isRestricted()).isTrue();
	}

	@Test
	void networkIsParsedWithItsPrefix() {
		Network network = Network.parse(" 192.0.2.0/24 ");
		assertThat(network.address()).containsExactly(192, 0, 2, 0);
		assertThat(network.prefixLength()).isEqualTo(24);
		assertThat(Network.parse("::1").prefixLength()).isEqualTo(128);
		assertThat(Network.parse("10.0.0.1").prefixLength()).isEqualTo(32);
		assertThat(Network.parse("10.0.0.0/0").prefixLength()).isZero();
	}

	@ParameterizedTest(name = "{0} contains {1}: {2}")
	@CsvSource({ "10.0.0.0/7, 11.255.0.1, true", "10.0.0.0/7, 12.0.0.1, false", "10.0.0.0/7, 9.255.255.255, false",
			"10.128.0.0/9, 10.200.0.1, true", "10.128.0.0/9, 10.127.0.1, false", "10.0.0.0/15, 10.1.0.1, true",
			"10.0.0.0/15, 10.2.0.1, false", "::ffff:10.0.0.0/104, ::ffff:10.1.1.1, true", "::/0, 10.0.0.1, true",
			"10.0.0.1/32, ::ffff:10.0.0.1, true", "10.0.0.1/32, ::fffe:10.0.0.1, false",
			"10.0.0.1/32, 1::ffff:10.0.0.1, false", "10.0.0.1/32, ::1:ffff:10.0.0.1, false",
			"10.0.0.1/32, 0:0:0:0:1:ffff:10.0.0.1, false", "10.0.0.1/32, ::feff:10.0.0.1, false",
			"10.0.0.1/32, ::ff:10.0.0.1, false", "0.0.0.0/0, ::1, false", "::ffff:0.0.0.0/96, 10.0.0.1, true",
			"::fffe:0.0.0.0/96, 10.0.0.1, false" })
	void networkContainsTheAddressesOfItsPrefixInEitherFamily(String cidr, String address, boolean contained)
			throws Exception {
		assertThat(Network.parse(cidr).contains(InetAddress.getByName(address))).isEqualTo(contained);
	}

	@Test
	void ipv4NetworkContainsIpv4MappedIpv6Peers() throws Exception {
		// Inet6Address.getByAddress keeps ::ffff:10.0.0.1 an IPv6 address, as some socket APIs give it
		byte[] mapped = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 10, 0, 0, 1 };
		assertThat(Network.parse("10.0.0.0/8").contains(Inet6Address.getByAddress(null, mapped, -1))).isTrue();
		for (int i = 0; i < 12; i++) {
			byte[] other = mapped.clone();
			other[i] ^= 0x01;
			assertThat(Network.parse("10.0.0.0/8").contains(Inet6Address.getByAddress(null, other, -1))).as("byte %d", i)
				.isFalse();
		}
	}

	private static UwsgiRequest request(String... extraNamesAndValues) {
		UwsgiVars.Builder vars = UwsgiVars.builder().add("REQUEST_METHOD", "GET").add("REQUEST_URI", "/")
			.add("REMOTE_ADDR", "198.51.100.4");
		for (int i = 0; i < extraNamesAndValues.length; i += 2) {
			vars.add(extraNamesAndValues[i], extraNamesAndValues[i + 1]);
		}
		return UwsgiRequest.from(vars.build());
	}

}
