package io.github.uwsgispringboot.tomcat;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.github.uwsgispringboot.tomcat.UwsgiPackets.ascii;
import static io.github.uwsgispringboot.tomcat.UwsgiPackets.header;
import static io.github.uwsgispringboot.tomcat.UwsgiPackets.request;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Connections as the Netty server counts them: from the accept to the close, whatever they send.
 */
class UwsgiConnectionTests {

	private UwsgiTomcat server;

	@BeforeEach
	void start() throws Exception {
		this.server = new UwsgiTomcat((connector) -> {
			connector.setProperty("headerTimeout", "1000");
			// the poller looks for timeouts every 100 ms instead of every second
			connector.setProperty("selectorTimeout", "100");
			connector.setProperty("socket.timeoutInterval", "100");
		}).start();
	}

	@AfterEach
	void stop() throws Exception {
		this.server.close();
	}

	@Test
	void connectionIsCountedFromItsAcceptEvenBeforeItSendsAByte() throws Exception {
		try (RawClient client = this.server.client()) {
			await(() -> this.server.listener.opened.get() == 1);
			assertThat(this.server.listener.closed).hasValue(0);
		}
		await(() -> this.server.listener.closed.get() == 1);
		assertThat(this.server.listener.transports).containsExactly("tcp");
	}

	@Test
	void connectionClosedBeforeAnyByteIsCountedAndNotRefused() throws Exception {
		try (RawClient client = this.server.client()) {
			client.shutdownOutput();
			assertThat(client.readToEnd().bytes()).isEmpty();
		}
		await(() -> this.server.listener.closed.get() == 1);
		assertThat(this.server.listener.opened).hasValue(1);
		Thread.sleep(200);
		assertThat(this.server.listener.rejected).isEmpty();
	}

	@Test
	void silentConnectionIsClosedAtTheHeaderTimeoutAsARefusal() throws Exception {
		try (RawClient client = this.server.client()) {
			RawClient.Reply reply = client.readToEnd();
			assertThat(reply.bytes()).isEmpty();
			assertThat(reply.reset()).isFalse();
			assertThat(Duration.ofNanos(reply.nanos())).isBetween(Duration.ofMillis(900), Duration.ofMillis(1500));
		}
		await(() -> this.server.listener.closed.get() == 1);
		assertThat(this.server.listener.rejected).containsExactly(Reason.HEADER_TIMEOUT);
		assertThat(this.server.listener.opened).hasValue(1);
		assertThat(this.server.listener.exchanges).isEmpty();
	}

	@Test
	void headerDeadlineCountsFromTheAcceptNotFromTheFirstByte() throws Exception {
		try (RawClient client = this.server.client()) {
			long connected = System.nanoTime();
			Thread.sleep(600);
			client.send(header(0, 100)); // 100 bytes of vars announced, none sent
			RawClient.Reply reply = client.readToEnd();
			assertThat(reply.bytes()).isEmpty();
			// from the first byte it would be 1600 ms at least
			assertThat(Duration.ofNanos(System.nanoTime() - connected)).isBetween(Duration.ofMillis(900),
					Duration.ofMillis(1450));
		}
		await(() -> this.server.listener.closed.get() == 1);
		assertThat(this.server.listener.rejected).containsExactly(Reason.HEADER_TIMEOUT);
	}

	@Test
	void everyConnectionIsClosedAsOftenAsItWasOpened() throws Exception {
		try (RawClient client = this.server.client()) {
			client.send(request("REQUEST_METHOD", "GET", "REQUEST_URI", "/")).readToEnd();
		}
		try (RawClient client = this.server.client()) {
			client.send(new byte[] { 100, 0, 0, 0 }).readToEnd(); // ping
		}
		try (RawClient client = this.server.client()) {
			client.send(ascii("GET / HTTP/1.1\r\n\r\n")).readToEnd(); // refused
		}
		try (RawClient client = this.server.client()) {
			client.send(new byte[] { 5, 0, 0, 0 }).readToEnd(); // refused without an answer
		}
		await(() -> this.server.listener.closed.get() == 4);
		assertThat(this.server.listener.opened).hasValue(4);
		assertThat(this.server.listener.rejected).containsExactly(Reason.HTTP_ON_UWSGI_PORT,
				Reason.UNSUPPORTED_MODIFIER);
	}

	static void await(BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("condition met within 5 s").isLessThan(deadline);
			Thread.sleep(10);
		}
	}

}
