package io.github.uwsgispringboot.test;

import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Endpoints for each shape of exchange the client must handle, and one that describes the request
 * as the application saw it.
 */
@RestController
class RequestController {

	/** Size of the download: 1 MiB. */
	static final int DOWNLOAD_SIZE = 1024 * 1024;

	private final AtomicInteger cancelledStreams = new AtomicInteger();

	@GetMapping("/hello")
	String hello() {
		return "Hello over uwsgi";
	}

	@GetMapping("/json")
	Map<String, Object> json() {
		return Map.of("message", "Hello", "transport", "uwsgi");
	}

	/**
	 * Describe the request: method, URI, scheme, context path, client address, headers, cookies.
	 */
	@GetMapping("/request")
	Map<String, Object> request(ServerHttpRequest request) {
		InetSocketAddress remote = request.getRemoteAddress();
		Map<String, Object> seen = new LinkedHashMap<>();
		seen.put("method", request.getMethod().name());
		seen.put("uri", request.getURI().toString());
		seen.put("scheme", request.getURI().getScheme());
		seen.put("contextPath", request.getPath().contextPath().value());
		seen.put("pathWithinApplication", request.getPath().pathWithinApplication().value());
		seen.put("queryParams", request.getQueryParams());
		seen.put("remoteAddress", (remote != null) ? remote.getAddress().getHostAddress() : null);
		seen.put("remotePort", (remote != null) ? remote.getPort() : null);
		Map<String, List<String>> headers = new LinkedHashMap<>();
		request.getHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values));
		seen.put("headers", headers);
		Map<String, List<String>> cookies = new LinkedHashMap<>();
		request.getCookies()
			.forEach((name, values) -> cookies.put(name, values.stream().map(HttpCookie::getValue).toList()));
		seen.put("cookies", cookies);
		return seen;
	}

	@PostMapping("/echo")
	Flux<DataBuffer> echo(@RequestBody Flux<DataBuffer> body) {
		return body;
	}

	/**
	 * Answer the length and SHA-256 of the body, digesting it as it arrives.
	 */
	@PostMapping("/sha256")
	Mono<Map<String, Object>> sha256(@RequestBody Flux<DataBuffer> body) {
		MessageDigest digest = sha256();
		return body.reduce(0L, (length, buffer) -> {
			try (DataBuffer.ByteBufferIterator iterator = buffer.readableByteBuffers()) {
				iterator.forEachRemaining(digest::update);
			}
			int read = buffer.readableByteCount();
			DataBufferUtils.release(buffer);
			return length + read;
		}).map((length) -> Map.of("length", length, "sha256", HexFormat.of().formatHex(digest.digest())));
	}

	@GetMapping(path = "/download", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	byte[] download() {
		return download(DOWNLOAD_SIZE);
	}

	/**
	 * Stream lines as they are produced: no Content-Length, the response ends when the connection
	 * closes.
	 */
	@GetMapping(path = "/stream", produces = MediaType.TEXT_PLAIN_VALUE)
	Flux<String> stream(@RequestParam int lines) {
		return Flux.range(1, lines).delayElements(Duration.ofMillis(2)).map((line) -> "line " + line + "\n");
	}

	/**
	 * Send an event every 20 ms until the client goes away.
	 */
	@GetMapping(path = "/ticks", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<String> ticks() {
		return Flux.range(0, Integer.MAX_VALUE)
			.delayElements(Duration.ofMillis(20))
			.map((tick) -> "tick " + tick)
			.doOnCancel(this.cancelledStreams::incrementAndGet);
	}

	int cancelledStreams() {
		return this.cancelledStreams.get();
	}

	@GetMapping("/cookie")
	Mono<Void> cookie(ServerHttpResponse response) {
		response.addCookie(ResponseCookie.from("session", "s3cr3t").path("/").httpOnly(true).build());
		response.getHeaders().add(HttpHeaders.CACHE_CONTROL, "no-store");
		return response.setComplete();
	}

	static byte[] download(int size) {
		byte[] bytes = new byte[size];
		for (int i = 0; i < size; i++) {
			bytes[i] = (byte) (i * 31 + i / 1021);
		}
		return bytes;
	}

	static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
