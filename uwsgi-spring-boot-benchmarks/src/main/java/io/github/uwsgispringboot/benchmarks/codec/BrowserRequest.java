package io.github.uwsgispringboot.benchmarks.codec;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import io.github.uwsgispringboot.codec.UwsgiRequestEncoder;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * One realistic request in the two forms a backend receives it: a browser's navigation to
 * {@code http://example.com/hello?lang=en} written as HTTP/1.1, and the uwsgi packet nginx 1.22
 * sends for it with Debian's stock {@code uwsgi_params}. The packet's vars are in nginx's order
 * (checked against a packet captured from nginx 1.22.1): the params first, then one
 * {@code HTTP_*} var per client header except {@code Host}, which the params already carry.
 */
final class BrowserRequest {

	static final String METHOD = "GET";

	static final String PATH = "/hello";

	static final String QUERY = "lang=en";

	static final String URI = PATH + "?" + QUERY;

	/** The headers Chrome 124 on Linux sends for a same-origin navigation, in its order. */
	static final List<Map.Entry<String, String>> HEADERS = List.of(
			Map.entry("Host", "example.com"),
			Map.entry("Connection", "keep-alive"),
			Map.entry("sec-ch-ua", "\"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\""),
			Map.entry("sec-ch-ua-mobile", "?0"),
			Map.entry("sec-ch-ua-platform", "\"Linux\""),
			Map.entry("Upgrade-Insecure-Requests", "1"),
			Map.entry("User-Agent",
					"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"),
			Map.entry("Accept",
					"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
							+ "application/signed-exchange;v=b3;q=0.7"),
			Map.entry("Sec-Fetch-Site", "same-origin"),
			Map.entry("Sec-Fetch-Mode", "navigate"),
			Map.entry("Sec-Fetch-User", "?1"),
			Map.entry("Sec-Fetch-Dest", "document"),
			Map.entry("Referer", "http://example.com/"),
			Map.entry("Accept-Encoding", "gzip, deflate"),
			Map.entry("Accept-Language", "en-US,en;q=0.9"),
			Map.entry("Cookie", "SESSION=5f0c2a8e-9b1d-4c6e-8f3a-2d7b9e4c1a60; theme=dark; _ga=GA1.1.1234567890.1712345678"));

	private BrowserRequest() {
	}

	/**
	 * Return the request as the browser writes it.
	 * @return the HTTP/1.1 request head
	 */
	static ByteBuf http() {
		StringBuilder request = new StringBuilder(METHOD).append(' ').append(URI).append(" HTTP/1.1\r\n");
		HEADERS.forEach((header) -> request.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n"));
		request.append("\r\n");
		return Unpooled.wrappedBuffer(request.toString().getBytes(StandardCharsets.ISO_8859_1));
	}

	/**
	 * Return the packet nginx sends for the request on a server {@code example.com} listening on
	 * port 80, with {@code include uwsgi_params;}.
	 * @return the uwsgi packet
	 */
	static ByteBuf uwsgi() {
		UwsgiVars.Builder vars = UwsgiVars.builder()
			.add("QUERY_STRING", QUERY)
			.add("REQUEST_METHOD", METHOD)
			.add("CONTENT_TYPE", "")
			.add("CONTENT_LENGTH", "")
			.add("REQUEST_URI", URI)
			.add("PATH_INFO", PATH)
			.add("DOCUMENT_ROOT", "/usr/share/nginx/html")
			.add("SERVER_PROTOCOL", "HTTP/1.1")
			.add("REQUEST_SCHEME", "http")
			.add("REMOTE_ADDR", "192.0.2.44")
			.add("REMOTE_PORT", "51544")
			.add("SERVER_PORT", "80")
			.add("SERVER_NAME", "example.com")
			.add("HTTP_HOST", "example.com");
		HEADERS.stream()
			.filter((header) -> !header.getKey().equals("Host"))
			.forEach((header) -> vars.add(varName(header.getKey()), header.getValue()));
		ByteBuf packet = Unpooled.buffer();
		UwsgiRequestEncoder.encode(vars.build(), packet);
		return packet;
	}

	private static String varName(String headerName) {
		return "HTTP_" + headerName.toUpperCase(Locale.ROOT).replace('-', '_');
	}

}
