package io.github.uwsgispringboot.codec;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.NetUtil;

import io.github.uwsgispringboot.codec.UwsgiDecoderException.Reason;

/**
 * Maps the CGI-style vars of a uwsgi packet to an HTTP request, following what nginx, Apache
 * httpd and the uWSGI router actually send (see {@code docs/protocol.md}).
 */
final class UwsgiRequestMapper {

	private static final String HTTP_PREFIX = "HTTP_";

	/**
	 * Client headers about the client's connection to the proxy. nginx forwards them all; none
	 * describes our connection, so none reaches the application or steers this server.
	 */
	static final Set<String> HOP_BY_HOP_VARS = Set.of("HTTP_CONNECTION", "HTTP_KEEP_ALIVE",
			"HTTP_PROXY_CONNECTION", "HTTP_TRANSFER_ENCODING", "HTTP_TE", "HTTP_TRAILER", "HTTP_UPGRADE",
			"HTTP_EXPECT");

	/** Header names whose usual spelling is not the capitalised form of the var name. */
	private static final Map<String, String> IRREGULAR_HEADER_NAMES = Map.of("HTTP_DNT", "DNT", "HTTP_ETAG",
			"ETag", "HTTP_WWW_AUTHENTICATE", "WWW-Authenticate", "HTTP_SEC_WEBSOCKET_KEY", "Sec-WebSocket-Key",
			"HTTP_SEC_WEBSOCKET_VERSION", "Sec-WebSocket-Version", "HTTP_SEC_WEBSOCKET_PROTOCOL",
			"Sec-WebSocket-Protocol", "HTTP_SEC_WEBSOCKET_EXTENSIONS", "Sec-WebSocket-Extensions",
			"HTTP_CONTENT_MD5", "Content-MD5");

	/** The most header names remembered: clients cannot grow the cache without bound. */
	private static final int MAX_CACHED_HEADER_NAMES = 1024;

	/** Header names already spelled, by var name: most requests repeat the same few. */
	private static final Map<String, String> HEADER_NAMES = new ConcurrentHashMap<>(IRREGULAR_HEADER_NAMES);

	/**
	 * Headers without Netty's validation: every name is spelled here from the token characters
	 * only, and every value is checked by {@link #checkHeaderValue} with Netty's own rule, once.
	 */
	private static final DefaultHttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory()
		.withValidation(false);

	/** Longest CONTENT_LENGTH accepted: 18 digits cannot overflow a long. */
	private static final int MAX_CONTENT_LENGTH_DIGITS = 18;

	private UwsgiRequestMapper() {
	}

	static UwsgiHttpRequest map(UwsgiVars vars) {
		HttpMethod method = method(vars.get("REQUEST_METHOD"));
		String scheme = scheme(vars);
		long contentLength = contentLength(vars.get("CONTENT_LENGTH"));
		String transferEncoding = vars.get("HTTP_TRANSFER_ENCODING");
		if (transferEncoding != null && !transferEncoding.isEmpty() && isEmpty(vars.get("CONTENT_LENGTH"))) {
			throw new UwsgiDecoderException(Reason.LENGTH_REQUIRED,
					"HTTP_TRANSFER_ENCODING=" + abbreviate(transferEncoding));
		}
		HttpHeaders headers = HEADERS.newHeaders();
		StringBuilder cookies = null;
		String fallbackContentType = null;
		for (int i = 0; i < vars.size(); i++) {
			String name = vars.name(i);
			if (!name.startsWith(HTTP_PREFIX) || HOP_BY_HOP_VARS.contains(name)) {
				continue;
			}
			String value = vars.value(i);
			checkHeaderValue(name, value);
			switch (name) {
				case "HTTP_HOST", "HTTP_CONTENT_LENGTH" -> {
					// Host is resolved below; only CONTENT_LENGTH delimits the body
				}
				case "HTTP_CONTENT_TYPE" -> fallbackContentType = value;
				case "HTTP_COOKIE" -> {
					// Apache and the uWSGI router join repeated Cookie headers with ", ", which
					// cookie parsers read as part of a value; cookie values cannot hold ", "
					String pairs = value.replace(", ", "; ");
					cookies = (cookies != null) ? cookies.append("; ").append(pairs) : new StringBuilder(pairs);
				}
				default -> headers.add(headerName(name), value);
			}
		}
		if (cookies != null) {
			headers.set("Cookie", cookies.toString());
		}
		String contentType = vars.get("CONTENT_TYPE");
		contentType = (contentType != null && !contentType.isEmpty()) ? contentType : fallbackContentType;
		if (contentType != null && !contentType.isEmpty()) {
			checkHeaderValue("CONTENT_TYPE", contentType);
			headers.set("Content-Type", contentType);
		}
		if (contentLength > 0) {
			headers.set("Content-Length", contentLength);
		}
		String host = host(vars, scheme);
		if (!host.isEmpty()) {
			checkHeaderValue("HTTP_HOST", host);
			headers.set("Host", host);
		}
		if (method == HttpMethod.GET && "websocket".equalsIgnoreCase(vars.get("HTTP_UPGRADE")) && canTunnel(vars)) {
			// the one hop-by-hop exchange that concerns this server: nginx tunnels the connection
			// once the application answers 101
			headers.set("Upgrade", "websocket");
			headers.set("Connection", "Upgrade");
		}
		String contextPath = contextPath(vars.get("SCRIPT_NAME"));
		String uri = uri(vars, contextPath);
		return new UwsgiHttpRequest(method, uri, headers, vars, scheme, remoteAddress(vars), contextPath,
				contentLength);
	}

	/**
	 * Return whether the proxy can turn the connection into a tunnel after a {@code 101}. Apache's
	 * mod_proxy_uwsgi (recognised by the {@code SCRIPT_FILENAME} mod_proxy sets) cannot: it would
	 * pass the {@code 101} on and then hang, so its upgrade requests reach the application as plain
	 * requests, which the application refuses with a status.
	 */
	private static boolean canTunnel(UwsgiVars vars) {
		String scriptFilename = vars.get("SCRIPT_FILENAME");
		return scriptFilename == null || !scriptFilename.startsWith("proxy:uwsgi://");
	}

	private static boolean isEmpty(String value) {
		return value == null || value.isEmpty();
	}

	private static HttpMethod method(String name) {
		if (name == null || name.isEmpty() || !isToken(name)) {
			throw new UwsgiDecoderException(Reason.INVALID_REQUEST_METHOD, "REQUEST_METHOD=" + name);
		}
		return HttpMethod.valueOf(name);
	}

	private static String scheme(UwsgiVars vars) {
		String https = vars.get("HTTPS");
		if ("on".equalsIgnoreCase(https) || "1".equals(https) || "https".equalsIgnoreCase(vars.get("REQUEST_SCHEME"))) {
			return "https";
		}
		return "http";
	}

	private static long contentLength(String value) {
		if (value == null || value.isEmpty()) {
			return 0;
		}
		if (value.length() > MAX_CONTENT_LENGTH_DIGITS) {
			throw new UwsgiDecoderException(Reason.INVALID_CONTENT_LENGTH, "CONTENT_LENGTH=" + abbreviate(value));
		}
		long length = 0;
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c < '0' || c > '9') {
				throw new UwsgiDecoderException(Reason.INVALID_CONTENT_LENGTH, "CONTENT_LENGTH=" + abbreviate(value));
			}
			length = length * 10 + (c - '0');
		}
		return length;
	}

	private static String host(UwsgiVars vars, String scheme) {
		String host = vars.get("HTTP_HOST");
		if (host != null && !host.isEmpty()) {
			return host;
		}
		String serverName = vars.get("SERVER_NAME");
		if (serverName == null || serverName.isEmpty()) {
			return "";
		}
		String port = vars.get("SERVER_PORT");
		boolean defaultPort = port == null || port.isEmpty() || ("http".equals(scheme) && "80".equals(port))
				|| ("https".equals(scheme) && "443".equals(port));
		return defaultPort ? serverName : serverName + ":" + port;
	}

	private static String contextPath(String scriptName) {
		if (scriptName == null) {
			return "";
		}
		int end = scriptName.length();
		while (end > 0 && scriptName.charAt(end - 1) == '/') {
			end--;
		}
		return (end == 0) ? "" : encodePath(scriptName.substring(0, end));
	}

	private static String uri(UwsgiVars vars, String contextPath) {
		String uri = vars.get("REQUEST_URI");
		if (uri == null || uri.isEmpty()) {
			String pathInfo = vars.get("PATH_INFO");
			String path = (pathInfo != null && !pathInfo.isEmpty()) ? encodePath(pathInfo) : "/";
			String query = vars.get("QUERY_STRING");
			uri = (query != null && !query.isEmpty()) ? path + "?" + query : path;
		}
		checkUri(uri);
		if (!contextPath.isEmpty() && !startsWithSegment(uri, contextPath)) {
			uri = contextPath + (uri.startsWith("/") ? uri : "/" + uri);
		}
		return uri;
	}

	private static boolean startsWithSegment(String uri, String prefix) {
		if (!uri.startsWith(prefix)) {
			return false;
		}
		if (uri.length() == prefix.length()) {
			return true;
		}
		char next = uri.charAt(prefix.length());
		return next == '/' || next == '?';
	}

	private static InetSocketAddress remoteAddress(UwsgiVars vars) {
		String address = vars.get("REMOTE_ADDR");
		if (address == null || address.isEmpty()) {
			return null;
		}
		InetAddress inetAddress = NetUtil.createInetAddressFromIpAddressString(address);
		if (inetAddress == null) {
			return null;
		}
		return new InetSocketAddress(inetAddress, port(vars.get("REMOTE_PORT")));
	}

	private static int port(String value) {
		if (value == null || value.isEmpty() || value.length() > 5) {
			return 0;
		}
		int port = 0;
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c < '0' || c > '9') {
				return 0;
			}
			port = port * 10 + (c - '0');
		}
		return (port <= 0xFFFF) ? port : 0;
	}

	/**
	 * Return the usual spelling of the header a var carries: {@code HTTP_X_FORWARDED_FOR} is
	 * {@code X-Forwarded-For}.
	 */
	static String headerName(String varName) {
		String known = HEADER_NAMES.get(varName);
		if (known != null) {
			return known;
		}
		String name = spell(varName);
		if (HEADER_NAMES.size() < MAX_CACHED_HEADER_NAMES) {
			HEADER_NAMES.put(varName, name);
		}
		return name;
	}

	private static String spell(String varName) {
		int length = varName.length() - HTTP_PREFIX.length();
		if (length == 0) {
			throw new UwsgiDecoderException(Reason.INVALID_HEADER, "empty header name in var " + varName);
		}
		char[] name = new char[length];
		boolean wordStart = true;
		for (int i = 0; i < length; i++) {
			char c = varName.charAt(HTTP_PREFIX.length() + i);
			if (c == '_' || c == '-') {
				name[i] = '-';
				wordStart = true;
			}
			else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
				name[i] = wordStart ? Character.toUpperCase(c) : Character.toLowerCase(c);
				wordStart = false;
			}
			else {
				throw new UwsgiDecoderException(Reason.INVALID_HEADER, "var name " + abbreviate(varName));
			}
		}
		return new String(name);
	}

	/**
	 * Refuse a value that Netty's header validation would reject: control characters other than
	 * HTAB (CR, LF and NUL among them), or leading white space.
	 */
	private static void checkHeaderValue(String name, String value) {
		int invalid = HttpHeaderValidationUtil.validateValidHeaderValue(value);
		if (invalid >= 0) {
			throw new UwsgiDecoderException(Reason.INVALID_HEADER, String.format(Locale.ROOT,
					"character 0x%02X at %d in the value of %s", (int) value.charAt(invalid), invalid, abbreviate(name)));
		}
	}

	private static void checkUri(String uri) {
		for (int i = 0; i < uri.length(); i++) {
			char c = uri.charAt(i);
			if (c <= ' ' || c == 0x7F) {
				throw new UwsgiDecoderException(Reason.INVALID_REQUEST_URI,
						String.format(Locale.ROOT, "character 0x%02X in %s", (int) c, abbreviate(uri)));
			}
		}
	}

	private static boolean isToken(String value) {
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			boolean alphanumeric = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
			if (!alphanumeric && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Percent-encode a decoded path ({@code PATH_INFO}, {@code SCRIPT_NAME}) whose chars are wire
	 * bytes, keeping the characters RFC 3986 allows in a path.
	 */
	static String encodePath(String path) {
		StringBuilder encoded = null;
		for (int i = 0; i < path.length(); i++) {
			char c = path.charAt(i);
			if (isPathChar(c)) {
				if (encoded != null) {
					encoded.append(c);
				}
				continue;
			}
			if (encoded == null) {
				encoded = new StringBuilder(path.length() + 16).append(path, 0, i);
			}
			encoded.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xF, 16)))
				.append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
		}
		return (encoded != null) ? encoded.toString() : path;
	}

	private static boolean isPathChar(char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
				|| "-._~!$&'()*+,;=:@/".indexOf(c) >= 0;
	}

	static String abbreviate(String value) {
		return (value.length() <= 64) ? value : value.substring(0, 64) + "...";
	}

}
