package io.github.uwsgispringboot.demo.mvc;

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.Part;

import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import io.github.uwsgispringboot.protocol.UwsgiVars;
import io.github.uwsgispringboot.web.UwsgiVar;

/**
 * What a user tries first behind a proxy: text, JSON, forms, uploads, downloads, errors, a
 * signed-in page, and a page showing what the application saw of the request. The same paths and
 * bodies as the WebFlux demo's, written the Spring MVC way; the streams are in
 * {@link StreamingController}.
 */
@RestController
public class DemoController {

	/** Bodies of {@code /small-body} up to this size are read; larger ones are refused unread. */
	static final long SMALL_BODY_LIMIT = 1024 * 1024;

	private static final int CHUNK_SIZE = 64 * 1024;

	private static final String TEXT = IntStream.range(0, 1000)
		.mapToObj((line) -> "Line " + line + ": uwsgi carries the response, nginx passes its Content-Encoding on\n")
		.collect(Collectors.joining());

	private final Path downloadFile;

	public DemoController() throws IOException {
		this.downloadFile = Files.createTempFile("uwsgi-demo-mvc-download", ".bin");
		this.downloadFile.toFile().deleteOnExit();
		Files.write(this.downloadFile, DemoContent.bytes(0, DemoContent.DOWNLOAD_SIZE));
	}

	@GetMapping(path = "/", produces = MediaType.TEXT_HTML_VALUE)
	public String index() {
		return """
				<!DOCTYPE html>
				<html><head><title>uwsgi-spring-boot MVC demo</title></head>
				<body>
				<h1>Spring MVC on Tomcat behind nginx <code>uwsgi_pass</code></h1>
				<ul>
				<li><a href="hello">/hello</a>: plain text</li>
				<li><a href="json">/json</a>: JSON</li>
				<li><a href="text">/text</a>: 75 KB of text, gzip-compressed for clients that accept it</li>
				<li><a href="request">/request</a>: what the application saw of this request</li>
				<li><a href="events">/events</a>: server-sent events, one a second (SseEmitter)</li>
				<li><a href="stream/lines">/stream/lines</a>: lines as they are written (StreamingResponseBody)</li>
				<li><a href="stream/deferred">/stream/deferred</a>: an answer half a second later (DeferredResult)</li>
				<li><a href="download/bytes">/download/bytes</a>, <a href="download/stream">/download/stream</a>,
				<a href="download/file">/download/file</a>: 5 MiB as byte[], as a StreamingResponseBody, as a file</li>
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
		return "Hello from Spring MVC over uwsgi\n";
	}

	/**
	 * An answer {@code millis} later, from the request's thread: past {@code uwsgi.request-timeout}
	 * the thread is interrupted and the request answered 504.
	 */
	@GetMapping("/slow")
	public String slow(@RequestParam long millis) {
		try {
			Thread.sleep(millis);
			return "Slept " + millis + " ms\n";
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "Interrupted\n";
		}
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
	 * the proxy, the context path, headers and cookies, and the thread serving it.
	 */
	@GetMapping("/request")
	public Map<String, Object> request(HttpServletRequest request) {
		Map<String, Object> seen = new LinkedHashMap<>();
		seen.put("method", request.getMethod());
		seen.put("uri", request.getRequestURL()
				+ ((request.getQueryString() != null) ? "?" + request.getQueryString() : ""));
		seen.put("scheme", request.getScheme());
		seen.put("host", request.getServerName());
		seen.put("port", request.getServerPort());
		seen.put("contextPath", request.getContextPath());
		seen.put("pathWithinApplication", request.getRequestURI().substring(request.getContextPath().length()));
		seen.put("rawQuery", request.getQueryString());
		Map<String, List<String>> parameters = new LinkedHashMap<>();
		request.getParameterMap().forEach((name, values) -> parameters.put(name, Arrays.asList(values)));
		seen.put("queryParams", parameters);
		seen.put("remoteAddress", request.getRemoteAddr());
		seen.put("remotePort", request.getRemotePort());
		Map<String, List<String>> headers = new LinkedHashMap<>();
		Collections.list(request.getHeaderNames())
			.forEach((name) -> headers.put(name, Collections.list(request.getHeaders(name))));
		seen.put("headers", headers);
		seen.put("tls", tls(request));
		Map<String, List<String>> cookies = new LinkedHashMap<>();
		for (Cookie cookie : (request.getCookies() != null) ? request.getCookies() : new Cookie[0]) {
			cookies.computeIfAbsent(cookie.getName(), (name) -> new ArrayList<>()).add(cookie.getValue());
		}
		seen.put("cookies", cookies);
		seen.put("thread", Thread.currentThread().toString());
		return seen;
	}

	/**
	 * The client's TLS facts the proxy forwarded, in the servlet request attributes; {@code null}
	 * when there are none.
	 */
	private static Map<String, Object> tls(HttpServletRequest request) {
		Object sessionId = request.getAttribute("jakarta.servlet.request.ssl_session_id");
		X509Certificate[] certificates = (X509Certificate[]) request
			.getAttribute("jakarta.servlet.request.X509Certificate");
		if (sessionId == null && certificates == null) {
			return null;
		}
		Map<String, Object> session = new LinkedHashMap<>();
		session.put("sessionId", sessionId);
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
			HttpServletRequest request) {
		return Map.of("segment", segment, "q", String.valueOf(q), "rawPath", request.getRequestURI());
	}

	@PostMapping("/echo")
	public void echo(InputStream body, OutputStream out) throws IOException {
		body.transferTo(out);
	}

	/**
	 * Read the whole body as it streams in and answer its length and SHA-256.
	 */
	@PostMapping("/sha256")
	public Map<String, Object> sha256(InputStream body) throws IOException {
		return digest(body);
	}

	/**
	 * Answer the length of a body of at most {@value #SMALL_BODY_LIMIT} bytes; refuse a larger one
	 * with 413 from its Content-Length, before reading any of it: the proxy is still sending when
	 * the answer comes.
	 */
	@PostMapping("/small-body")
	public ResponseEntity<Map<String, Object>> smallBody(HttpServletRequest request) throws IOException {
		if (request.getContentLengthLong() > SMALL_BODY_LIMIT) {
			return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).body(Map.of("limit", SMALL_BODY_LIMIT));
		}
		return ResponseEntity.ok(Map.of("length", request.getInputStream().readAllBytes().length));
	}

	@PostMapping(path = "/upload", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	public Map<String, Object> upload(HttpServletRequest request) throws IOException, ServletException {
		Map<String, Object> parts = new LinkedHashMap<>();
		for (Part part : request.getParts()) {
			try (InputStream content = part.getInputStream()) {
				Map<String, Object> description = new LinkedHashMap<>();
				description.put("name", part.getName());
				description.put("filename", part.getSubmittedFileName());
				description.putAll(digest(content));
				parts.put(part.getName(), description);
			}
		}
		return parts;
	}

	/**
	 * Write a file part to a file, then answer the length and SHA-256 of what is on disk, and delete
	 * the file. The container streams parts to disk as they arrive: nothing sits in memory.
	 */
	@PostMapping(path = "/upload-to-disk", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	public Map<String, Object> uploadToDisk(@RequestPart("file") MultipartFile file) throws IOException {
		Path path = Files.createTempFile("uwsgi-demo-mvc-upload", ".bin");
		try {
			file.transferTo(path);
			return Map.of("filename", file.getOriginalFilename(), "length", Files.size(path), "sha256",
					sha256Of(path));
		}
		finally {
			Files.deleteIfExists(path);
		}
	}

	/**
	 * An HTML form post: every field, a repeated one with all its values in order. As JSON: without
	 * {@code produces}, a {@code MultiValueMap} would be written back as form data.
	 */
	@PostMapping(path = "/form", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE,
			produces = MediaType.APPLICATION_JSON_VALUE)
	public MultiValueMap<String, String> form(@RequestParam MultiValueMap<String, String> fields) {
		return fields;
	}

	@GetMapping(path = "/download/bytes", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	public byte[] downloadBytes() {
		return DemoContent.bytes(0, DemoContent.DOWNLOAD_SIZE);
	}

	/**
	 * Stream the download in chunks as they are produced, on an async thread: no Content-Length, so
	 * the response ends when the connection closes.
	 */
	@GetMapping("/download/stream")
	public ResponseEntity<StreamingResponseBody> downloadStream() {
		return ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM).body((out) -> {
			for (int chunk = 0; chunk < DemoContent.DOWNLOAD_SIZE / CHUNK_SIZE; chunk++) {
				out.write(DemoContent.bytes((long) chunk * CHUNK_SIZE, CHUNK_SIZE));
			}
		});
	}

	/**
	 * Stream the first {@value DemoContent#BYTES_BEFORE_FAILURE} bytes of the download, each chunk
	 * flushed, then fail: a response that breaks part-way. {@code contentLength=true} declares the
	 * whole download's Content-Length first; {@code buffering=off} asks nginx not to buffer it
	 * ({@code X-Accel-Buffering: no}).
	 */
	@GetMapping("/download/fails-midway")
	public ResponseEntity<StreamingResponseBody> downloadFailsMidway(
			@RequestParam(defaultValue = "false") boolean contentLength,
			@RequestParam(defaultValue = "on") String buffering) {
		ResponseEntity.BodyBuilder response = ResponseEntity.ok().contentType(MediaType.APPLICATION_OCTET_STREAM);
		if (contentLength) {
			response.contentLength(DemoContent.DOWNLOAD_SIZE);
		}
		if ("off".equals(buffering)) {
			response.header("X-Accel-Buffering", "no");
		}
		return response.body((out) -> {
			for (int chunk = 0; chunk < DemoContent.BYTES_BEFORE_FAILURE / CHUNK_SIZE; chunk++) {
				out.write(DemoContent.bytes((long) chunk * CHUNK_SIZE, CHUNK_SIZE));
				out.flush();
			}
			// a pause first, so that the proxy has read what was sent before the connection ends
			try {
				Thread.sleep(300);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			throw new IllegalStateException("Failed part-way through the body, on purpose");
		});
	}

	@GetMapping(path = "/download/file", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	public Resource downloadFile() {
		return new FileSystemResource(this.downloadFile);
	}

	@GetMapping("/error-demo")
	public String error() {
		throw new IllegalStateException("This is what an exception in a handler looks like");
	}

	private static Map<String, Object> digest(InputStream content) throws IOException {
		MessageDigest algorithm = sha256();
		long length;
		try (InputStream in = new DigestInputStream(content, algorithm)) {
			length = in.transferTo(OutputStream.nullOutputStream());
		}
		return Map.of("length", length, "sha256", HexFormat.of().formatHex(algorithm.digest()));
	}

	private static String sha256Of(Path file) throws IOException {
		return (String) digest(Files.newInputStream(file)).get("sha256");
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
