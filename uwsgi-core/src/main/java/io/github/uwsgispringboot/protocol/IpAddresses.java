package io.github.uwsgispringboot.protocol;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Reads IP address literals, never looking a name up.
 */
final class IpAddresses {

	private IpAddresses() {
	}

	/**
	 * Read an IPv4 or IPv6 address literal.
	 * @param text the literal, such as {@code 192.0.2.7} or {@code 2001:db8::1}
	 * @return the address, or {@code null} when {@code text} is no IP address literal
	 */
	static InetAddress parse(String text) {
		if (text == null || text.isEmpty()) {
			return null;
		}
		if (text.indexOf(':') < 0) {
			return isIpv4(text) ? literal(text) : null;
		}
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
				return null;
			}
		}
		// with a ':' and only these characters, the JDK reads an IPv6 literal or refuses it
		return literal(text);
	}

	/**
	 * Read the bytes of an IPv4 or IPv6 address literal: 4 for IPv4, 16 for IPv6, IPv4-mapped IPv6
	 * ({@code ::ffff:10.0.0.1}) included.
	 * @param text the literal
	 * @return the bytes, or {@code null} when {@code text} is no IP address literal
	 */
	static byte[] bytes(String text) {
		InetAddress address = parse(text);
		if (address == null) {
			return null;
		}
		byte[] bytes = address.getAddress();
		if (bytes.length == 4 && text.indexOf(':') >= 0) {
			byte[] mapped = new byte[16];
			mapped[10] = (byte) 0xFF;
			mapped[11] = (byte) 0xFF;
			System.arraycopy(bytes, 0, mapped, 12, 4);
			return mapped;
		}
		return bytes;
	}

	private static boolean isIpv4(String text) {
		int parts = 0;
		int start = 0;
		while (start <= text.length()) {
			int end = text.indexOf('.', start);
			end = (end < 0) ? text.length() : end;
			int length = end - start;
			if (length < 1 || length > 3 || ++parts > 4) {
				return false;
			}
			int value = 0;
			for (int i = start; i < end; i++) {
				char c = text.charAt(i);
				if (c < '0' || c > '9') {
					return false;
				}
				value = value * 10 + (c - '0');
			}
			if (value > 255) {
				return false;
			}
			start = end + 1;
		}
		return parts == 4;
	}

	private static InetAddress literal(String text) {
		try {
			return InetAddress.getByName(text);
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

}
