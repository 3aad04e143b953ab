package io.github.uwsgispringboot.server;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.HttpHandler;

import io.github.uwsgispringboot.actuate.UwsgiServerMeters;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiVars;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every class of bad input of the docs' table (docs/protocol.md, "Bad input") sent over a raw TCP
 * connection to a real server: each gets its response or its close within its deadline, is counted
 * by reason, and leaves no file descriptor behind (buffers: paranoid leak detection).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UwsgiBadInputTests {

	private static final UwsgiLimits LIMITS = new UwsgiLimits(4096, 64, 1_000_000, Duration.ofMillis(800),
			Duration.ofMillis(800));

	/** Reads the whole body, then answers its length. */
	private static final HttpHandler LENGTH = (request, response) -> DataBufferUtils.join(request.getBody())
		.map((body) -> {
			int length = body.readableByteCount();
			DataBufferUtils.release(body);
			return length;
		})
		.defaultIfEmpty(0)
		.flatMap((length) -> response.writeWith(Mono.just(response.bufferFactory().wrap(("" + length).getBytes()))));

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private UwsgiServer server;

	private long fileDescriptorsBefore;

	@BeforeAll
	void start() throws IOException {
		this.server = new UwsgiServer(new UwsgiServerOptions(InetAddress.getLoopbackAddress(), 0, null, null, LIMITS,
				Duration.ofSeconds(1), null, null, -1), () -> LENGTH, List.of(new UwsgiServerMeters(this.registry)));
		this.server.start();
		this.fileDescriptorsBefore = openFileDescriptors();
	}

	@AfterAll
	void stop() throws IOException {
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(openFileDescriptors()).isLessThanOrEqualTo(this.fileDescriptorsBefore + 2));
		this.server.stop();
	}

	static Stream<Arguments> badInput() {
		byte[] get = packet(vars("GET", ""));
		return Stream.of(
				Arguments.of("truncated header", new byte[] { 0, 10 }, true, "", Reason.TRUNCATED_PACKET),
				Arguments.of("lengths past the block", header(0, 6, 0, new byte[] { 5, 0, 'A', 'B', 'C', 'D' }), false,
						"HTTP/1.1 400", Reason.MALFORMED_VARS),
				Arguments.of("empty key", header(0, 5, 0, new byte[] { 0, 0, 1, 0, 'x' }), false, "HTTP/1.1 400",
						Reason.EMPTY_VAR_NAME),
				Arguments.of("block ends mid-var", header(0, 3, 0, new byte[] { 1, 0, 'A' }), false, "HTTP/1.1 400",
						Reason.MALFORMED_VARS),
				Arguments.of("unknown modifier1", header(17, 0, 0, new byte[0]), false, "",
						Reason.UNSUPPORTED_MODIFIER),
				Arguments.of("CONTENT_LENGTH non-numeric", packet(vars("POST", "ten")), false, "HTTP/1.1 400",
						Reason.INVALID_CONTENT_LENGTH),
				Arguments.of("CONTENT_LENGTH negative", packet(vars("POST", "-1")), false, "HTTP/1.1 400",
						Reason.INVALID_CONTENT_LENGTH),
				Arguments.of("CONTENT_LENGTH absurdly large", packet(vars("POST", "99999999999999999999")), false,
						"HTTP/1.1 400", Reason.INVALID_CONTENT_LENGTH),
				Arguments.of("CONTENT_LENGTH over the limit", packet(vars("POST", "1000001")), false, "HTTP/1.1 413",
						Reason.BODY_TOO_LARGE),
				Arguments.of("vars block over the limit", header(0, 5000, 0, new byte[0]), false, "HTTP/1.1 431",
						Reason.VARS_TOO_LARGE),
				Arguments.of("plain HTTP", "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
						false, "HTTP/1.1 400", Reason.HTTP_ON_UWSGI_PORT),
				Arguments.of("nothing sent", new byte[0], false, "", Reason.HEADER_TIMEOUT),
				Arguments.of("header never completed", new byte[] { 0, 10 }, false, "", Reason.HEADER_TIMEOUT),
				Arguments.of("body shorter than announced, client silent", concat(packet(vars("POST", "10")),
						"abc".getBytes()), false, "", Reason.BODY_TIMEOUT),
				Arguments.of("body shorter than announced, client gone", concat(packet(vars("POST", "10")),
						"abc".getBytes()), true, "", null),
				Arguments.of("body longer than announced", concat(packet(vars("POST", "3")), "abcdef".getBytes()),
						false, "HTTP/1.1 200", null),
				Arguments.of("second packet on the connection", concat(get, get), false, "HTTP/1.1 200", null));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("badInput")
	void badInputGetsItsResponseOrCloseWithinItsDeadlineAndIsCounted(String name, byte[] bytes, boolean clientCloses,
			String response, Reason reason) throws Exception {
		double before = (reason != null) ? rejected(reason) : 0;
		long start = System.nanoTime();
		String received;
		try (UwsgiTestClient client = UwsgiTestClient.connect(this.server.tcpAddress())) {
			client.send(bytes);
			if (clientCloses) {
				client.close();
				received = "";
			}
			else {
				received = client.readResponse();
			}
		}
		assertThat(received).as(name).startsWith(response);
		if (response.isEmpty()) {
			assertThat(received).as(name + ": closed without a response").isEmpty();
		}
		assertThat(Duration.ofNanos(System.nanoTime() - start)).as(name).isLessThan(Duration.ofSeconds(5));
		if (reason != null) {
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(rejected(reason)).as(name).isEqualTo(before + 1));
		}
	}

	@Test
	void secondPacketOnAConnectionIsNotServed() throws Exception {
		byte[] get = packet(vars("GET", ""));
		String response = UwsgiTestClient.exchange(this.server.tcpAddress(), UwsgiVars.builder()
			.add("REQUEST_METHOD", "GET")
			.add("REQUEST_URI", "/")
			.build(), new String(get, StandardCharsets.ISO_8859_1));
		assertThat(response.split("HTTP/1.1 ", -1)).as("one response only").hasSize(2);
	}

	private double rejected(Reason reason) {
		Counter counter = this.registry.find(UwsgiServerMeters.PACKETS_REJECTED)
			.tags("transport", "tcp", "reason", reason.name())
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private static long openFileDescriptors() throws IOException {
		try (Stream<Path> descriptors = Files.list(Path.of("/proc/self/fd"))) {
			return descriptors.count();
		}
	}

	private static UwsgiVars vars(String method, String contentLength) {
		return UwsgiVars.builder()
			.add("REQUEST_METHOD", method)
			.add("REQUEST_URI", "/")
			.add("CONTENT_LENGTH", contentLength)
			.build();
	}

	private static byte[] packet(UwsgiVars vars) {
		return UwsgiTestClient.packet(vars, "");
	}

	private static byte[] header(int modifier1, int size, int modifier2, byte[] vars) {
		ByteBuffer packet = ByteBuffer.allocate(4 + vars.length).order(ByteOrder.LITTLE_ENDIAN);
		packet.put((byte) modifier1); // modifier1
		packet.putShort((short) size); // datasize, u16 little-endian
		packet.put((byte) modifier2); // modifier2
		packet.put(vars);
		return packet.array();
	}

	private static byte[] concat(byte[] first, byte[] second) {
		byte[] both = new byte[first.length + second.length];
		System.arraycopy(first, 0, both, 0, first.length);
		System.arraycopy(second, 0, both, first.length, second.length);
		return both;
	}

}
