package io.github.uwsgispringboot.test;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * The vars nginx sends for a request with {@code include uwsgi_params;}: the CGI vars of the stock
 * {@code uwsgi_params} file in its order, one {@code HTTP_*} var per request header value, then the
 * vars set on the connector, each replacing every stock var of its name or added at the end.
 */
final class NginxUwsgiParams {

	/**
	 * Headers Reactor Netty adds for our own connection (keep-alive, a streamed body): they say
	 * nothing about the request, whose body is sent with its length.
	 */
	private static final Set<String> TRANSPORT_HEADERS = Set.of("connection", "keep-alive", "transfer-encoding",
			"content-length");

	private final boolean https;

	private final String serverName;

	private final int serverPort;

	private final InetSocketAddress remoteAddress;

	private final Map<String, String> vars;

	/**
	 * Describe the requests of one exchange.
	 * @param https whether the client used https at the proxy
	 * @param serverName the host the request was made to
	 * @param serverPort the port the request was made to
	 * @param remoteAddress the client's address, or {@code null} for 127.0.0.1 and the local port
	 * of the connection
	 * @param vars vars that replace or add to the stock ones, in order
	 */
	NginxUwsgiParams(boolean https, String serverName, int serverPort, InetSocketAddress remoteAddress,
			Map<String, String> vars) {
		this.https = https;
		this.serverName = serverName;
		this.serverPort = serverPort;
		this.remoteAddress = remoteAddress;
		this.vars = vars;
	}

	/**
	 * Return the vars of a request.
	 * @param request the request head as Reactor Netty wrote it
	 * @param contentLength the length of the buffered body, or -1 when the request has none (a
	 * GET: nginx sends an empty {@code CONTENT_LENGTH} then)
	 * @param localAddress the local address of the connection to the uwsgi server
	 * @return the vars, in the order nginx sends them
	 */
	UwsgiVars vars(HttpRequest request, long contentLength, SocketAddress localAddress) {
		String uri = request.uri();
		int queryStart = uri.indexOf('?');
		String length = (contentLength >= 0) ? Long.toString(contentLength) : "";
		List<Map.Entry<String, String>> vars = new ArrayList<>();
		add(vars, "QUERY_STRING", (queryStart >= 0) ? uri.substring(queryStart + 1) : "");
		add(vars, "REQUEST_METHOD", request.method().name());
		add(vars, "CONTENT_TYPE", request.headers().get(HttpHeaderNames.CONTENT_TYPE, ""));
		add(vars, "CONTENT_LENGTH", length);
		add(vars, "REQUEST_URI", uri);
		add(vars, "PATH_INFO", decodePath((queryStart >= 0) ? uri.substring(0, queryStart) : uri));
		add(vars, "SERVER_PROTOCOL", "HTTP/1.1");
		add(vars, "REQUEST_SCHEME", this.https ? "https" : "http");
		if (this.https) {
			add(vars, "HTTPS", "on");
		}
		add(vars, "REMOTE_ADDR", remoteAddr());
		add(vars, "REMOTE_PORT", Integer.toString(remotePort(localAddress)));
		add(vars, "SERVER_PORT", Integer.toString(this.serverPort));
		add(vars, "SERVER_NAME", this.serverName);
		request.headers().forEach((header) -> {
			String name = header.getKey();
			// nginx drops headers with an underscore in their name (underscores_in_headers off)
			if (!TRANSPORT_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && name.indexOf('_') < 0) {
				add(vars, "HTTP_" + name.toUpperCase(Locale.ROOT).replace('-', '_'), header.getValue());
			}
		});
		if (!length.isEmpty()) {
			add(vars, "HTTP_CONTENT_LENGTH", length);
		}
		this.vars.forEach((name, value) -> replaceOrAdd(vars, name, value));
		UwsgiVars.Builder builder = UwsgiVars.builder();
		vars.forEach((var) -> builder.add(var.getKey(), var.getValue()));
		return builder.build();
	}

	private String remoteAddr() {
		if (this.remoteAddress == null) {
			return "127.0.0.1";
		}
		return (this.remoteAddress.getAddress() != null) ? this.remoteAddress.getAddress().getHostAddress()
				: this.remoteAddress.getHostString();
	}

	private int remotePort(SocketAddress localAddress) {
		if (this.remoteAddress != null) {
			return this.remoteAddress.getPort();
		}
		return (localAddress instanceof InetSocketAddress inet) ? inet.getPort() : 0;
	}

	private static void add(List<Map.Entry<String, String>> vars, String name, String value) {
		vars.add(Map.entry(name, value));
	}

	private static void replaceOrAdd(List<Map.Entry<String, String>> vars, String name, String value) {
		boolean replaced = false;
		for (ListIterator<Map.Entry<String, String>> var = vars.listIterator(); var.hasNext();) {
			if (!var.next().getKey().equals(name)) {
				continue;
			}
			if (replaced) {
				var.remove();
			}
			else {
				var.set(Map.entry(name, value));
				replaced = true;
			}
		}
		if (!replaced) {
			add(vars, name, value);
		}
	}

	/**
	 * Percent-decode a raw path into wire bytes read as ISO-8859-1, as nginx's {@code $document_uri}
	 * (which nginx also normalises: {@code //} and dot segments are not resolved here).
	 */
	static String decodePath(String rawPath) {
		if (rawPath.indexOf('%') < 0) {
			return rawPath;
		}
		StringBuilder decoded = new StringBuilder(rawPath.length());
		for (int i = 0; i < rawPath.length(); i++) {
			char c = rawPath.charAt(i);
			int high = (c == '%' && i + 2 < rawPath.length()) ? Character.digit(rawPath.charAt(i + 1), 16) : -1;
			int low = (high >= 0) ? Character.digit(rawPath.charAt(i + 2), 16) : -1;
			if (low >= 0) {
				decoded.append((char) (high << 4 | low));
				i += 2;
			}
			else {
				decoded.append(c);
			}
		}
		return decoded.toString();
	}

}
