package io.github.uwsgispringboot.protocol;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UwsgiPeers}: how a refusal names the peer.
 */
class UwsgiPeersTests {

	private static final UnixDomainSocketAddress SOCKET = UnixDomainSocketAddress.of("/run/app/uwsgi.sock");

	@Test
	void tcpPeerIsItsAddressAndPort() {
		assertThat(UwsgiPeers.describe(new InetSocketAddress("192.0.2.7", 51544), new InetSocketAddress(3031)))
			.isEqualTo("192.0.2.7:51544");
		assertThat(UwsgiPeers.describe(new InetSocketAddress("::1", 80), null)).isEqualTo("0:0:0:0:0:0:0:1:80");
	}

	@Test
	void unixSocketPeerIsTheSocketsPath() {
		assertThat(UwsgiPeers.describe(UnixDomainSocketAddress.of(""), SOCKET))
			.isEqualTo("unix socket /run/app/uwsgi.sock");
		assertThat(UwsgiPeers.describe(null, SOCKET)).isEqualTo("unix socket /run/app/uwsgi.sock");
	}

	@Test
	void unresolvedPeerIsNotLookedUp() {
		assertThat(UwsgiPeers.describe(InetSocketAddress.createUnresolved("example.com", 80), SOCKET))
			.isEqualTo("unix socket /run/app/uwsgi.sock");
	}

}
