package io.github.uwsgispringboot.tomcat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.github.uwsgispringboot.protocol.UwsgiExchange;
import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.github.uwsgispringboot.tomcat.UwsgiPackets.ascii;
import static io.github.uwsgispringboot.tomcat.UwsgiPackets.concat;
import static io.github.uwsgispringboot.tomcat.UwsgiPackets.header;
import static io.github.uwsgispringboot.tomcat.UwsgiPackets.request;
import static io.github.uwsgispringboot.tomcat.UwsgiPackets.vars;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The uwsgi connector in a real embedded Tomcat, spoken to over raw TCP connections.
 */
class UwsgiNioProtocolTests {

	private static UwsgiTomcat server;

	@BeforeAll
	static void start() throws Exception {
		server = new UwsgiTomcat((connector) -> {
			connector.setProperty("maxVarsSize", "1000");
			connector.setProperty("maxVars", "20");
			connector.setProperty("maxBodySize", "1000000");
			connector.setProperty("headerTimeout", "500");
			connector.setProperty("bodyIdleTimeout", "500");
			connector.setProperty("lingerTimeout", "3000");
		}).start();
	}

	@AfterAll
	static void stop() throws Exception {
		server.close();
	}

	@BeforeEach
	void clearListener() {
		server.listener.rejected.clear();
		server.listener.exchanges.clear();
	}

	@Test
	void getWithHeadersAndQueryReachesTheApplicationAsNginxSentIt() throws Exception {
		RawClient.Reply reply = exchange(request("REQUEST_METHOD", "GET", "REQUEST_URI", "/echo/a%20b?a=1&b=x%20y",
				"QUERY_STRING", "a=1&b=x%20y", "SERVER_PROTOCOL", "HTTP/2.0", "HTTPS", "on", "HTTP_HOST",
				"example.com:8443", "HTTP_X_TEST", "one", "HTTP_X_TEST", "two", "HTTP_CONNECTION", "keep-alive",
				"HTTP_EXPECT", "100-continue", "CONTENT_LENGTH", "", "REMOTE_ADDR", "203.0.113.7", "REMOTE_PORT",
				"51000", "PATH", "/usr/bin"));
		assertThat(reply.statusLine()).isEqualTo("HTTP/1.1 200 OK");
		assertThat(reply.head()).contains("Content-Type: text/plain", "Content-Length: ")
			.doesNotContain("Transfer-Encoding", "X-Bad", "Injected");
		assertThat(reply.body()).contains("method=GET\n", "uri=/echo/a%20b\n", "query=a=1&b=x%20y\n",
				"param.b=x y\n", "protocol=HTTP/1.1\n", "scheme=https\n", "secure=true\n",
				"server=example.com:8443\n", "remote=203.0.113.7:51000\n", "remoteHost=203.0.113.7\n",
				"header.x-test=one|two\n", "header.host=example.com:8443\n")
			.doesNotContain("header.connection", "header.expect", "header.path");
		assertThat(reply.reset()).isFalse();
	}

	@Test
	void hostWithoutPortGetsTheSchemesDefaultPort() throws Exception {
		RawClient.Reply reply = exchange(
				request("REQUEST_METHOD", "GET", "REQUEST_URI", "/", "HTTP_HOST", "example.com"));
		assertThat(reply.body()).contains("server=example.com:80\n", "scheme=http\n", "secure=false\n");
	}

	@Test
	void postBodyIsExactlyContentLengthBytesEvenWhenItArrivesInParts() throws Exception {
		try (RawClient client = server.client()) {
			client.send(request("REQUEST_METHOD", "POST", "REQUEST_URI", "/upload", "CONTENT_LENGTH", "11"),
					ascii("hello"));
			Thread.sleep(100);
			client.send(ascii(" world"));
			RawClient.Reply reply = client.readToEnd();
			assertThat(reply.statusLine()).isEqualTo("HTTP/1.1 200 OK");
			assertThat(reply.body()).isEqualTo("received 11: hello world");
			assertThat(reply.reset()).isFalse();
		}
		UwsgiExchange exchange = awaitExchange();
		assertThat(exchange.status()).isEqualTo(200);
		assertThat(exchange.bytesReceived()).isEqualTo(11);
		assertThat(exchange.bytesSent()).isEqualTo("received 11: hello world".length());
		assertThat(exchange.transport()).isEqualTo("tcp");
	}

	@Test
	void pingIsAnsweredWithPongAndClosed() throws Exception {
		RawClient.Reply reply = exchange(new byte[] { 100, // modifier1 100: ping
				0, 0, // no vars
				0 }); // modifier2
		assertThat(reply.bytes()).containsExactly(100, 0, 0, 1); // modifier1 100, no vars, modifier2 1: pong
		assertThat(reply.reset()).isFalse();
		assertThat(server.listener.rejected).isEmpty();
	}

	@Test
	void headHasTheHeadersOfAGetAndNoBody() throws Exception {
		RawClient.Reply reply = exchange(request("REQUEST_METHOD", "HEAD", "REQUEST_URI", "/echo"));
		assertThat(reply.statusLine()).isEqualTo("HTTP/1.1 200 OK");
		assertThat(reply.head()).contains("Content-Type: text/plain");
		assertThat(reply.body()).isEmpty();
	}

	@Test
	void streamedResponseIsDelimitedByTheCloseNeverChunked() throws Exception {
		RawClient.Reply reply = exchange(request("REQUEST_METHOD", "GET", "REQUEST_URI", "/stream"));
		assertThat(reply.statusLine()).isEqualTo("HTTP/1.1 200 OK");
		assertThat(reply.head()).doesNotContain("Content-Length", "Transfer-Encoding");
		assertThat(reply.body()).isEqualTo("data: 0\n\ndata: 1\n\ndata: 2\n\n");
		assertThat(reply.reset()).isFalse();
	}

	@Test
	void earlyResponseToALargePostIsReadCleanlyWhileTheBodyIsStillSent() throws Exception {
		assertEarly413(request("REQUEST_METHOD", "POST", "REQUEST_URI", "/reject", "CONTENT_LENGTH", "900000"),
				900_000);
	}

	@Test
	void bodyLargerThanMaxBodySizeIsAnswered413BeforeItIsReadAndDiscardedCleanly() throws Exception {
		assertEarly413(request("REQUEST_METHOD", "POST", "REQUEST_URI", "/upload", "CONTENT_LENGTH", "2000000"),
				2_000_000);
		assertThat(server.listener.rejected).containsExactly(Reason.BODY_TOO_LARGE);
	}

	private void assertEarly413(byte[] packet, int bodySize) throws Exception {
		try (RawClient client = server.client()) {
			client.send(packet);
			// the peer goes on sending the body while the response is already on its way
			CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
				try {
					for (int sent = 0; sent < bodySize; sent += 10_000) {
						client.send(new byte[Math.min(10_000, bodySize - sent)]);
					}
				}
				catch (IOException ex) {
					throw new IllegalStateException(ex);
				}
			});
			RawClient.Reply reply = client.readToEnd();
			assertThat(reply.statusLine()).isEqualTo("HTTP/1.1 413 Content Too Large");
			assertThat(reply.reset()).isFalse();
			upload.get();
		}
	}

	@Test
	void asyncServletAnswersFromAnotherThread() throws Exception {
		RawClient.Reply reply = exchange(request("REQUEST_METHOD", "GET", "REQUEST_URI", "/async"));
		assertThat(reply.statusLine()).isEqualTo("HTTP/1.1 200 OK");
		assertThat(reply.body()).startsWith("answered from ");
		assertThat(reply.reset()).isFalse();
		assertThat(awaitExchange().status()).isEqualTo(200);
	}

	@Test
	void responseThatFailsPartWayEndsWithAResetNotACleanClose() throws Exception {
		RawClient.Reply reply = exchange(request("REQUEST_METHOD", "GET", "REQUEST_URI", "/fail"));
		assertThat(reply.statusLine()).isEqualTo("HTTP/1.1 200 OK");
		assertThat(reply.reset()).isTrue();
	}

	@Test
	void unsupportedModifierIsClosedWithoutAResponse() throws Exception {
		RawClient.Reply reply = exchange(new byte[] { 5, // modifier1 5: a uWSGI language plugin, not served
				0, 0, 0 });
		assertThat(reply.bytes()).isEmpty();
		assertThat(server.listener.rejected).containsExactly(Reason.UNSUPPORTED_MODIFIER);
	}

	@Test
	void plainHttpIsAnswered400WithAHint() throws Exception {
		RawClient.Reply reply = exchange(ascii("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
		assertThat(reply.statusLine()).isEqualTo("HTTP/1.1 400 Bad Request");
		assertThat(reply.body()).contains("uwsgi_pass");
		assertThat(reply.reset()).isFalse();
		assertThat(server.listener.rejected).containsExactly(Reason.HTTP_ON_UWSGI_PORT);
	}

	@Test
	void varsBlockLargerThanMaxVarsSizeIsAnswered431() throws Exception {
		assertRefused(header(0, 1001), 431, Reason.VARS_TOO_LARGE); // announces 1001 bytes of vars, limit 1000
	}

	@Test
	void moreVarsThanMaxVarsIsAnswered431() throws Exception {
		String[] many = new String[42];
		for (int i = 0; i < many.length; i += 2) {
			many[i] = "V" + i;
			many[i + 1] = "x";
		}
		assertRefused(request(many), 431, Reason.TOO_MANY_VARS);
	}

	@Test
	void varRunningPastTheBlockIsAnswered400() throws Exception {
		byte[] vars = concat(vars("REQUEST_METHOD", "GET"), new byte[] { 10, 0, // a name of 10 bytes ...
				'A', 'B' }); // ... of which the block holds 2
		assertRefused(concat(header(0, vars.length), vars), 400, Reason.MALFORMED_VARS);
	}

	@Test
	void emptyVarNameIsAnswered400() throws Exception {
		assertRefused(request("REQUEST_METHOD", "GET", "", "x"), 400, Reason.EMPTY_VAR_NAME);
	}

	@Test
	void missingRequestMethodIsAnswered400() throws Exception {
		assertRefused(request("REQUEST_URI", "/"), 400, Reason.INVALID_REQUEST_METHOD);
	}

	@Test
	void requestUriWithASpaceIsAnswered400() throws Exception {
		assertRefused(request("REQUEST_METHOD", "GET", "REQUEST_URI", "/a b"), 400, Reason.INVALID_REQUEST_URI);
	}

	@Test
	void chunkedBodyWithoutContentLengthIsAnswered411() throws Exception {
		assertRefused(request("REQUEST_METHOD", "POST", "REQUEST_URI", "/upload", "HTTP_TRANSFER_ENCODING", "chunked"),
				411, Reason.LENGTH_REQUIRED);
	}

	@Test
	void negativeContentLengthIsAnswered400() throws Exception {
		assertRefused(request("REQUEST_METHOD", "POST", "REQUEST_URI", "/upload", "CONTENT_LENGTH", "-1"), 400,
				Reason.INVALID_CONTENT_LENGTH);
	}

	@Test
	void headerValueWithANewlineIsAnswered400() throws Exception {
		assertRefused(request("REQUEST_METHOD", "GET", "REQUEST_URI", "/", "HTTP_X_EVIL", "a\r\nInjected: yes"), 400,
				Reason.INVALID_HEADER);
	}

	@Test
	void connectionClosedInsideTheVarsIsClosed() throws Exception {
		try (RawClient client = server.client()) {
			client.send(header(0, 100), vars("REQUEST_METHOD", "GET")); // 100 bytes of vars announced, 18 sent
			client.shutdownOutput();
			RawClient.Reply reply = client.readToEnd();
			assertThat(reply.bytes()).isEmpty();
		}
		awaitRejection(Reason.TRUNCATED_PACKET);
	}

	@Test
	void headerNotCompleteWithinTheHeaderTimeoutIsClosed() throws Exception {
		try (RawClient client = server.client()) {
			client.send(header(0, 100)); // and then nothing
			RawClient.Reply reply = client.readToEnd();
			assertThat(reply.bytes()).isEmpty();
			assertThat(Duration.ofNanos(reply.nanos())).isBetween(Duration.ofMillis(300), Duration.ofSeconds(3));
		}
		awaitRejection(Reason.HEADER_TIMEOUT);
	}

	@Test
	void bodyThatStallsLongerThanTheIdleTimeoutIsClosed() throws Exception {
		try (RawClient client = server.client()) {
			client.send(request("REQUEST_METHOD", "POST", "REQUEST_URI", "/upload", "CONTENT_LENGTH", "100"),
					new byte[10]); // 10 of 100 bytes, then nothing
			RawClient.Reply reply = client.readToEnd();
			assertThat(reply.text()).doesNotContain("received");
			assertThat(Duration.ofNanos(reply.nanos())).isBetween(Duration.ofMillis(300), Duration.ofSeconds(3));
		}
		awaitRejection(Reason.BODY_TIMEOUT);
	}

	private static void assertRefused(byte[] packet, int status, Reason reason) throws Exception {
		RawClient.Reply reply = exchange(packet);
		assertThat(reply.statusLine()).startsWith("HTTP/1.1 " + status + " ");
		assertThat(reply.head()).contains("Content-Length: 0");
		assertThat(reply.reset()).isFalse();
		assertThat(server.listener.rejected).containsExactly(reason);
	}

	static RawClient.Reply exchange(byte[] packet) throws IOException {
		try (RawClient client = server.client()) {
			return client.send(packet).readToEnd();
		}
	}

	private static UwsgiExchange awaitExchange() throws InterruptedException {
		for (int i = 0; i < 100 && server.listener.exchanges.isEmpty(); i++) {
			Thread.sleep(20);
		}
		assertThat(server.listener.exchanges).hasSize(1);
		return server.listener.exchanges.get(0);
	}

	private static void awaitRejection(Reason reason) throws InterruptedException {
		for (int i = 0; i < 100 && server.listener.rejected.isEmpty(); i++) {
			Thread.sleep(20);
		}
		assertThat(server.listener.rejected).containsExactly(reason);
	}

}
