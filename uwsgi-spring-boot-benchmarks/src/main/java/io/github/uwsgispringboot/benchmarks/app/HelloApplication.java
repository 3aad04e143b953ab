package io.github.uwsgispringboot.benchmarks.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The application of the end-to-end benchmark ({@code scripts/benchmark.sh}) and of the memory
 * measurements ({@code scripts/memory.sh}): one ordinary WebFlux controller, served on its HTTP
 * port and, by the uwsgi starter, over uwsgi on TCP and a unix socket. The scripts set the ports
 * and the socket path on the command line.
 */
@SpringBootApplication
public class HelloApplication {

	public static void main(String[] args) {
		SpringApplication.run(HelloApplication.class, args);
	}

	@RestController
	static class HelloController {

		/** The same text as the WSGI application and nginx's own answer in the benchmark. */
		@GetMapping("/hello")
		String hello() {
			return "Hello, world!";
		}

		/**
		 * Stream the request body to a temporary file, never holding more of it than the buffers in
		 * flight, and answer its SHA-256 (computed as it streams) and size:
		 * {@code <hex digest> <bytes>}. The file is deleted once written.
		 */
		@PostMapping("/upload")
		Mono<String> upload(ServerHttpRequest request) {
			return Mono.usingWhen(Mono.fromCallable(() -> Files.createTempFile("upload-", ".bin"))
				.subscribeOn(Schedulers.boundedElastic()), (file) -> {
					MessageDigest digest = sha256();
					AtomicLong bytes = new AtomicLong();
					return DataBufferUtils
						.write(request.getBody().doOnNext((buffer) -> update(digest, bytes, buffer)), file)
						.then(Mono.fromSupplier(() -> HexFormat.of().formatHex(digest.digest()) + " " + bytes + "\n"));
				}, (file) -> Mono.fromRunnable(() -> delete(file)).subscribeOn(Schedulers.boundedElastic()));
		}

		private static void update(MessageDigest digest, AtomicLong bytes, DataBuffer buffer) {
			bytes.addAndGet(buffer.readableByteCount());
			try (DataBuffer.ByteBufferIterator readable = buffer.readableByteBuffers()) {
				while (readable.hasNext()) {
					digest.update(readable.next());
				}
			}
		}

		private static MessageDigest sha256() {
			try {
				return MessageDigest.getInstance("SHA-256");
			}
			catch (NoSuchAlgorithmException ex) {
				throw new IllegalStateException(ex);
			}
		}

		private static void delete(Path file) {
			try {
				Files.deleteIfExists(file);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

	}

}
