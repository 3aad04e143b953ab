package io.github.uwsgispringboot.protocol;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;


/**
 * Who may send requests to a uwsgi server: TCP peers from the allowed networks only, and
 * only requests carrying the shared secret in a var. A uwsgi ping is answered before either check,
 * so that health probes need neither.
 *
 * @param allowedNetworks the client networks TCP peers must belong to, empty for any
 * @param secretVar the var that carries the shared secret, or {@code null} for no secret
 * @param secret the shared secret, or {@code null} for none
 */
public record UwsgiAccessPolicy(List<Network> allowedNetworks, String secretVar, String secret) {

	/** Anyone who can connect may send requests. */
	public static final UwsgiAccessPolicy OPEN = new UwsgiAccessPolicy(List.of(), null, null);

	/**
	 * Check the policy.
	 */
	public UwsgiAccessPolicy {
		allowedNetworks = List.copyOf(allowedNetworks);
		if ((secret == null) != (secretVar == null)) {
			throw new IllegalArgumentException("A shared secret needs both a var name and a value");
		}
		if (secretVar != null && (secretVar.isEmpty() || secretVar.startsWith("HTTP_") || isKnownVar(secretVar))) {
			throw new IllegalArgumentException("The shared secret var must be a plain var, not an HTTP_* header var "
					+ "nor one that describes the request: '" + secretVar + "'");
		}
		if (secret != null && secret.isEmpty()) {
			throw new IllegalArgumentException("The shared secret must not be empty");
		}
	}

	/**
	 * Return whether this policy checks anything.
	 * @return {@code false} for {@link #OPEN}
	 */
	public boolean isRestricted() {
		return !this.allowedNetworks.isEmpty() || this.secret != null;
	}

	private static boolean isKnownVar(String name) {
		byte[] bytes = name.getBytes(StandardCharsets.ISO_8859_1);
		return KnownVar.of(bytes, 0, bytes.length) != null;
	}

	/**
	 * Check a request against this policy.
	 * @param peer the address of the connection's peer
	 * @param request the request read from the peer's packet
	 * @return the request as the application sees it: without the shared secret var
	 * @throws UwsgiProtocolException ({@link UwsgiProtocolException.Reason#CLIENT_NOT_ALLOWED} or
	 * {@link UwsgiProtocolException.Reason#SECRET_MISMATCH}, both answered 403) when the request
	 * must not reach the application
	 */
	public UwsgiRequest check(SocketAddress peer, UwsgiRequest request) {
		if (!allows(peer)) {
			throw new UwsgiProtocolException(UwsgiProtocolException.Reason.CLIENT_NOT_ALLOWED,
					"not in uwsgi.allowed-clients");
		}
		if (this.secret == null) {
			return request;
		}
		if (!acceptsSecret(request.vars().get(this.secretVar))) {
			throw new UwsgiProtocolException(UwsgiProtocolException.Reason.SECRET_MISMATCH, "var " + this.secretVar);
		}
		return request.withoutVar(this.secretVar);
	}

	boolean allows(SocketAddress peer) {
		if (this.allowedNetworks.isEmpty() || !(peer instanceof InetSocketAddress inet)) {
			return true;
		}
		InetAddress address = inet.getAddress();
		return address != null && this.allowedNetworks.stream().anyMatch((network) -> network.contains(address));
	}

	boolean acceptsSecret(String offered) {
		// constant time: the comparison does not tell how much of the secret was right
		return offered != null && MessageDigest.isEqual(offered.getBytes(StandardCharsets.ISO_8859_1),
				this.secret.getBytes(StandardCharsets.ISO_8859_1));
	}

	/**
	 * A network in CIDR notation, IPv4 or IPv6: {@code 10.0.0.0/8}, {@code 192.0.2.7} (a single
	 * address), {@code fd00::/8}.
	 *
	 * @param address the network's address bytes
	 * @param prefixLength the number of leading bits that must match
	 */
	public record Network(byte[] address, int prefixLength) {

		/**
		 * Parse a network.
		 * @param cidr the network in CIDR notation, or a single address
		 * @return the network
		 * @throws IllegalArgumentException when it is not an IP address or network
		 */
		public static Network parse(String cidr) {
			String value = cidr.trim();
			int slash = value.indexOf('/');
			String host = (slash >= 0) ? value.substring(0, slash) : value;
			byte[] address = IpAddresses.bytes(host);
			if (address == null) {
				throw new IllegalArgumentException("Not an IP address or network: '" + cidr + "'");
			}
			int bits = address.length * 8;
			int prefix;
			try {
				prefix = (slash >= 0) ? Integer.parseInt(value.substring(slash + 1)) : bits;
			}
			catch (NumberFormatException ex) {
				throw new IllegalArgumentException("Not a network prefix length: '" + cidr + "'", ex);
			}
			if (prefix < 0 || prefix > bits) {
				throw new IllegalArgumentException("Prefix length out of range in '" + cidr + "'");
			}
			return new Network(address, prefix);
		}

		boolean contains(InetAddress candidate) {
			byte[] bytes = candidate.getAddress();
			if (bytes.length != this.address.length) {
				bytes = mapped(bytes, this.address.length);
				if (bytes == null) {
					return false;
				}
			}
			int full = this.prefixLength / 8;
			for (int i = 0; i < full; i++) {
				if (bytes[i] != this.address[i]) {
					return false;
				}
			}
			int rest = this.prefixLength % 8;
			if (rest == 0) {
				return true;
			}
			int mask = (0xFF << (8 - rest)) & 0xFF;
			return (bytes[full] & mask) == (this.address[full] & mask);
		}

		/** An IPv4 address seen as IPv4-mapped IPv6 ({@code ::ffff:a.b.c.d}) and back. */
		private static byte[] mapped(byte[] bytes, int length) {
			if (length == 4 && bytes.length == 16) {
				for (int i = 0; i < 10; i++) {
					if (bytes[i] != 0) {
						return null;
					}
				}
				if (bytes[10] != (byte) 0xFF || bytes[11] != (byte) 0xFF) {
					return null;
				}
				return new byte[] { bytes[12], bytes[13], bytes[14], bytes[15] };
			}
			if (length == 16 && bytes.length == 4) {
				byte[] v6 = new byte[16];
				v6[10] = (byte) 0xFF;
				v6[11] = (byte) 0xFF;
				System.arraycopy(bytes, 0, v6, 12, 4);
				return v6;
			}
			return null;
		}

	}

}
