package io.github.uwsgispringboot.benchmarks.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.GlobalEventExecutor;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.env.Environment;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The application of the end-to-end benchmark ({@code scripts/benchmark.sh}) and of the memory
 * measurements ({@code scripts/memory.sh}): one ordinary WebFlux controller, Actuator on the class
 * path, served on its HTTP port, by the uwsgi starter over uwsgi on TCP and a unix socket, and, with
 * {@code benchmark.http-unix-socket}, over HTTP on a unix socket too: the peer of uwsgi on a unix
 * socket behind nginx. The scripts set the ports and the socket paths on the command line.
 */
@SpringBootApplication
public class HelloApplication {

	public static void main(String[] args) {
		SpringApplication.run(HelloApplication.class, args);
	}

	@Bean
	@ConditionalOnProperty("benchmark.http-unix-socket")
	UnixSocketHttpListener unixSocketHttpListener(Environment environment, ObjectProvider<HttpHandler> httpHandler) {
		return new UnixSocketHttpListener(Path.of(environment.getRequiredProperty("benchmark.http-unix-socket")),
				httpHandler);
	}

	/**
	 * The application's handler chain over HTTP/1.1 on a unix socket: a second Reactor Netty
	 * {@link HttpServer} as Spring Boot builds its HTTP port's with its defaults (Reactor Netty's
	 * settings, a channel group for the graceful shutdown), and the socket's file writable by
	 * nginx's workers.
	 */
	static final class UnixSocketHttpListener implements SmartLifecycle {

		private final Path path;

		private final ObjectProvider<HttpHandler> httpHandler;

		private volatile DisposableServer server;

		UnixSocketHttpListener(Path path, ObjectProvider<HttpHandler> httpHandler) {
			this.path = path;
			this.httpHandler = httpHandler;
		}

		@Override
		public void start() {
			try {
				Files.deleteIfExists(this.path);
				this.server = HttpServer.create()
					.bindAddress(() -> new DomainSocketAddress(this.path.toString()))
					.protocol(HttpProtocol.HTTP11)
					.channelGroup(new DefaultChannelGroup(GlobalEventExecutor.INSTANCE))
					.handle(new ReactorHttpHandlerAdapter(this.httpHandler.getObject()))
					.bindNow();
				Files.setPosixFilePermissions(this.path, PosixFilePermissions.fromString("rw-rw-rw-"));
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		@Override
		public void stop() {
			DisposableServer server = this.server;
			if (server != null) {
				server.disposeNow();
				this.server = null;
			}
		}

		@Override
		public boolean isRunning() {
			return this.server != null;
		}

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
