package io.github.uwsgispringboot.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpCookie;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.codec.multipart.FilePart;
import org.springframework.http.codec.multipart.Part;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import io.github.uwsgispringboot.protocol.UwsgiVars;
import io.github.uwsgispringboot.web.UwsgiVar;

/**
 * What a user tries first behind a proxy: text, JSON, forms, uploads, downloads, streams, errors, a
 * signed-in page, and a page showing what the application saw of the request.
 */
@RestController
public class DemoController {

	private static final int CHUNK_SIZE = 64 * 1024;

	private static final String TEXT = IntStream.range(0, 1000)
		.mapToObj((line) -> "Line " + line + ": uwsgi carries the response, nginx passes its Content-Encoding on\n")
		.collect(Collectors.joining());

	private final Path downloadFile;

	public DemoController() throws IOException {
		this.downloadFile = Files.createTempFile("uwsgi-demo-download", ".bin");
		this.downloadFile.toFile().deleteOnExit();
		Files.write(this.downloadFile, DemoContent.bytes(0, DemoContent.DOWNLOAD_SIZE));
	}

	@GetMapping(path = "/", produces = MediaType.TEXT_HTML_VALUE)
	public String index() {
		return """
				<!DOCTYPE html>
				<html><head><title>uwsgi-spring-boot demo</title></head>
				<body>
				<h1>Spring WebFlux behind nginx <code>uwsgi_pass</code></h1>
				<ul>
				<li><a href="hello">/hello</a>: plain text</li>
				<li><a href="json">/json</a>: JSON</li>
				<li><a href="text">/text</a>: 75 KB of text, gzip-compressed for clients that accept it</li>
				<li><a href="request">/request</a>: what the application saw of this request</li>
				<li><a href="events">/events</a>: server-sent events, one a second</li>
				<li><a href="download/bytes">/download/bytes</a>, <a href="download/stream">/download/stream</a>,
				<a href="download/file">/download/file</a>: 5 MiB as byte[], as a Flux, as a file</li>
				<li><a href="download/fails-midway">/download/fails-midway</a>: 256 KiB of the download, then an error</li>
				<li><a href="error-demo">/error-demo</a>: an exception, handled by Spring Boot</li>
				<li><a href="secure/hello">/secure/hello</a>: Spring Security form login (user demo, password demo)</li>
				</ul>
				<form method="post" action="upload" enctype="multipart/form-data">
				<input type="file" name="file"> <button>Upload (answers the SHA-256 of each part)</button>
				</form>
				<form method="post" action="upload-to-disk" enctype="multipart/form-data">
				<input type="file" name="file"> <button>Upload to disk (answers the SHA-256 of the file written)</button>
				</form>
				<form method="post" action="form">
				<input name="name" value="demo"> <input name="tag" value="a"> <input name="tag" value="b">
				<button>Post the form (answers its fields)</button>
				</form>
				</body></html>
				""";
	}

	@GetMapping("/hello")
	public String hello() {
		return "Hello from Spring WebFlux over uwsgi\n";
	}

	/**
	 * An answer {@code millis} later: past {@code uwsgi.request-timeout} the request is cancelled
	 * and answered 504.
	 */
	@GetMapping("/slow")
	public Mono<String> slow(@RequestParam long millis) {
		return Mono.delay(Duration.ofMillis(millis)).thenReturn("Slept " + millis + " ms\n");
	}

	@GetMapping("/json")
	public Map<String, Object> json() {
		return Map.of("message", "Hello", "transport", "uwsgi", "time", Instant.now().toString());
	}

	/**
	 * A large, compressible response: gzip-encoded for clients that send {@code Accept-Encoding:
	 * gzip}, since the demo sets {@code server.compression.enabled}.
	 */
	@GetMapping("/text")
	public String text() {
		return TEXT;
	}

	/**
	 * Only for a signed-in user: see {@link DemoSecurity}.
	 */
	@GetMapping("/secure/hello")
	public String secureHello(Principal user) {
		return "Hello, " + user.getName() + "\n";
	}

	/**
	 * Describe the request as the application sees it: the client's address, scheme and host at
	 * the proxy, the context path, headers and cookies.
	 */
	@GetMapping("/request")
	public Map<String, Object> request(ServerHttpRequest request) {
		Map<String, Object> seen = new LinkedHashMap<>();
		seen.put("method", request.getMethod().name());
		seen.put("uri", request.getURI().toString());
		seen.put("scheme", request.getURI().getScheme());
		seen.put("host", request.getURI().getHost());
		seen.put("port", request.getURI().getPort());
		seen.put("contextPath", request.getPath().contextPath().value());
		seen.put("pathWithinApplication", request.getPath().pathWithinApplication().value());
		seen.put("rawQuery", request.getURI().getRawQuery());
		seen.put("queryParams", request.getQueryParams());
		seen.put("remoteAddress", (request.getRemoteAddress() != null)
				? request.getRemoteAddress().getAddress().getHostAddress() : null);
		seen.put("remotePort", (request.getRemoteAddress() != null) ? request.getRemoteAddress().getPort() : null);
		seen.put("headers", request.getHeaders().toSingleValueMap().keySet().stream()
			.collect(LinkedHashMap::new, (map, name) -> map.put(name, request.getHeaders().get(name)), Map::putAll));
		SslInfo tls = request.getSslInfo();
		seen.put("tls", (tls != null) ? tls(tls) : null);
		Map<String, List<String>> cookies = new LinkedHashMap<>();
		request.getCookies().forEach((name, values) -> cookies.put(name, values.stream().map(HttpCookie::getValue).toList()));
		seen.put("cookies", cookies);
		return seen;
	}

	private static Map<String, Object> tls(SslInfo tls) {
		Map<String, Object> session = new LinkedHashMap<>();
		session.put("sessionId", tls.getSessionId());
		X509Certificate[] certificates = tls.getPeerCertificates();
		session.put("clientCertificate", (certificates != null && certificates.length > 0)
				? certificates[0].getSubjectX500Principal().getName() : null);
		return session;
	}

	/**
	 * Every var nginx sent, and one read by name: vars that are not HTTP headers (CGI variables,
	 * custom uwsgi_param values) never become headers but stay readable here.
	 */
	@GetMapping("/vars")
	public Map<String, Object> vars(UwsgiVars vars, @UwsgiVar(value = "DEMO_UPSTREAM", required = false) String upstream) {
		Map<String, Object> seen = new LinkedHashMap<>();
		seen.put("DEMO_UPSTREAM", upstream);
		Map<String, List<String>> all = new LinkedHashMap<>();
		vars.forEach((name, value) -> all.computeIfAbsent(name, (key) -> new ArrayList<>()).add(value));
		seen.put("vars", all);
		return seen;
	}

	@GetMapping("/path/{segment}")
	public Map<String, String> path(@PathVariable String segment, @RequestParam(required = false) String q,
			ServerHttpRequest request) {
		return Map.of("segment", segment, "q", String.valueOf(q), "rawPath", request.getURI().getRawPath());
	}

	@PostMapping("/echo")
	public Flux<DataBuffer> echo(@RequestBody Flux<DataBuffer> body) {
		return body;
	}

	/**
	 * Read the whole body as it streams in and answer its length and SHA-256.
	 */
	@PostMapping("/sha256")
	public Mono<Map<String, Object>> sha256(@RequestBody(required = false) Flux<DataBuffer> body) {
		return digest((body != null) ? body : Flux.empty()).map((digest) -> Map.of("length", digest.length(),
				"sha256", digest.sha256()));
	}

	@PostMapping(path = "/upload", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	public Mono<Map<String, Object>> upload(@RequestBody Mono<MultiValueMap<String, Part>> parts) {
		return parts.flatMapMany((map) -> Flux.fromIterable(map.toSingleValueMap().values()))
			.flatMap(this::describe)
			.collectMap((part) -> (String) part.get("name"), (part) -> (Object) part);
	}

	/**
	 * Stream a file part to a file, then answer the length and SHA-256 of what is on disk, and delete
	 * the file. Parts larger than {@code spring.webflux.multipart.max-in-memory-size} never sit in
	 * memory.
	 */
	@PostMapping(path = "/upload-to-disk", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	public Mono<Map<String, Object>> uploadToDisk(@RequestPart("file") FilePart file) {
		return Mono.usingWhen(onDisk(() -> Files.createTempFile("uwsgi-demo-upload", ".bin")),
				(path) -> file.transferTo(path)
					.then(onDisk(() -> Map.of("filename", file.filename(), "length", Files.size(path), "sha256",
							sha256Of(path)))),
				(path) -> onDisk(() -> Files.deleteIfExists(path)));
	}

	/**
	 * An HTML form post: every field, a repeated one with all its values in order. As JSON: without
	 * {@code produces}, a {@code MultiValueMap} would be written back as multipart form data.
	 */
	@PostMapping(path = "/form", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE,
			produces = MediaType.APPLICATION_JSON_VALUE)
	public Mono<MultiValueMap<String, String>> form(ServerWebExchange exchange) {
		return exchange.getFormData();
	}

	private Mono<Map<String, Object>> describe(Part part) {
		return digest(part.content()).map((digest) -> {
			Map<String, Object> description = new LinkedHashMap<>();
			description.put("name", part.name());
			description.put("filename", (part instanceof FilePart file) ? file.filename() : null);
			description.put("length", digest.length());
			description.put("sha256", digest.sha256());
			return description;
		});
	}

	/**
	 * Digest content as it arrives, releasing each buffer once read: nothing is held in memory.
	 */
	private static Mono<Digest> digest(Flux<DataBuffer> content) {
		return content.reduce(new Digest(sha256(), 0), (digest, buffer) -> {
			try (DataBuffer.ByteBufferIterator iterator = buffer.readableByteBuffers()) {
				iterator.forEachRemaining(digest.algorithm()::update);
			}
			int length = buffer.readableByteCount();
			DataBufferUtils.release(buffer);
			return new Digest(digest.algorithm(), digest.length() + length);
		}).defaultIfEmpty(new Digest(sha256(), 0));
	}

	/**
	 * File system calls block: run them off the event loop.
	 */
	private static <T> Mono<T> onDisk(Callable<T> call) {
		return Mono.fromCallable(call).subscribeOn(Schedulers.boundedElastic());
	}

	private static String sha256Of(Path file) throws IOException {
		MessageDigest algorithm = sha256();
		try (InputStream in = new DigestInputStream(Files.newInputStream(file), algorithm)) {
			in.transferTo(OutputStream.nullOutputStream());
		}
		return HexFormat.of().formatHex(algorithm.digest());
	}

	@GetMapping(path = "/download/bytes", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	public byte[] downloadBytes() {
		return DemoContent.bytes(0, DemoContent.DOWNLOAD_SIZE);
	}

	/**
	 * Stream the download in chunks as they are produced: no Content-Length, so the response ends
	 * when the connection closes.
	 */
	@GetMapping(path = "/download/stream", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	public Flux<DataBuffer> downloadStream() {
		return Flux.range(0, DemoContent.DOWNLOAD_SIZE / CHUNK_SIZE)
			.map((chunk) -> DefaultDataBufferFactory.sharedInstance
				.wrap(DemoContent.bytes((long) chunk * CHUNK_SIZE, CHUNK_SIZE)));
	}

	/**
	 * Stream the first {@value DemoContent#BYTES_BEFORE_FAILURE} bytes of the download, each chunk
	 * flushed, then fail: a response that breaks part-way. {@code contentLength=true} declares the
	 * whole download's Content-Length first; {@code buffering=off} asks nginx not to buffer it
	 * ({@code X-Accel-Buffering: no}).
	 */
	@GetMapping(path = "/download/fails-midway", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	public Mono<Void> downloadFailsMidway(ServerHttpResponse response,
			@RequestParam(defaultValue = "false") boolean contentLength,
			@RequestParam(defaultValue = "on") String buffering) {
		if (contentLength) {
			response.getHeaders().setContentLength(DemoContent.DOWNLOAD_SIZE);
		}
		if ("off".equals(buffering)) {
			response.getHeaders().set("X-Accel-Buffering", "no");
		}
		Flux<Flux<DataBuffer>> chunks = Flux.range(0, DemoContent.BYTES_BEFORE_FAILURE / CHUNK_SIZE)
			.map((chunk) -> Flux.just(DefaultDataBufferFactory.sharedInstance
				.wrap(DemoContent.bytes((long) chunk * CHUNK_SIZE, CHUNK_SIZE))));
		// a pause first, so that the proxy has read what was sent before the connection ends
		Mono<Flux<DataBuffer>> failure = Mono.delay(Duration.ofMillis(300))
			.then(Mono.error(new IllegalStateException("Failed part-way through the body, on purpose")));
		return response.writeAndFlushWith(chunks.concatWith(failure));
	}

	@GetMapping(path = "/download/file", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	public Resource downloadFile() {
		return new FileSystemResource(this.downloadFile);
	}

	@GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	public Flux<ServerSentEvent<String>> events(@RequestParam(defaultValue = "5") int count,
			@RequestParam(defaultValue = "1000") long intervalMillis) {
		return Flux.interval(Duration.ZERO, Duration.ofMillis(intervalMillis))
			.take(count)
			.map((i) -> ServerSentEvent.builder("event " + i + " at " + Instant.now()).id(Long.toString(i)).build());
	}

	@GetMapping("/error-demo")
	public String error() {
		throw new IllegalStateException("This is what an exception in a handler looks like");
	}

	private record Digest(MessageDigest algorithm, long length) {

		String sha256() {
			return HexFormat.of().formatHex(this.algorithm.digest());
		}

	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new UncheckedIOException(new IOException(ex));
		}
	}

}
