package io.github.uwsgispringboot.tomcat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import org.apache.catalina.LifecycleState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.github.uwsgispringboot.tomcat.UwsgiPackets.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The connector over TLS, as nginx speaks to it with {@code uwsgi_pass suwsgi://...}.
 */
class UwsgiTlsTests {

	private static final byte[] GET = request("REQUEST_METHOD", "GET", "REQUEST_URI", "/echo", "HTTPS", "on",
			"REMOTE_ADDR", "198.51.100.1", "REMOTE_PORT", "4000");

	@TempDir
	static Path directory;

	private static TestCertificates certificates;

	@BeforeAll
	static void createCertificates() throws Exception {
		certificates = new TestCertificates(directory);
	}

	@Test
	void requestOverTlsIsServedAsOverPlainTcp() throws Exception {
		try (UwsgiTomcat server = tlsServer("none").start()) {
			String reply = exchange(server, certificates.clientContext(false));
			assertThat(reply).startsWith("HTTP/1.1 200 OK\r\n").contains("remote=198.51.100.1:4000", "scheme=https");
		}
	}

	@Test
	void proxyWithItsClientCertificateIsServedWhenOneIsRequired() throws Exception {
		try (UwsgiTomcat server = tlsServer("required").start()) {
			String reply = exchange(server, certificates.clientContext(true));
			assertThat(reply).startsWith("HTTP/1.1 200 OK\r\n");
		}
	}

	@Test
	void clientCertificateIsTheOneInTheVarsNotTheProxys() throws Exception {
		byte[] packet = request("REQUEST_METHOD", "GET", "REQUEST_URI", "/tls", "HTTPS", "on", "SSL_CLIENT_CERT",
				certificates.serverCertificatePem(), "SSL_CIPHER", "TLS_AES_128_GCM_SHA256", "SSL_CIPHER_USEKEYSIZE",
				"128", "SSL_SESSION_ID", "5e55", "SSL_PROTOCOL", "TLSv1.3");
		try (UwsgiTomcat server = tlsServer("required").start()) {
			String reply = exchange(server, certificates.clientContext(true), packet);
			assertThat(reply).startsWith("HTTP/1.1 200 OK\r\n")
				.contains("certificate=CN=localhost\n", "cipher_suite=TLS_AES_128_GCM_SHA256\n", "key_size=128\n",
						"ssl_session_id=5e55\n", "secure_protocol=TLSv1.3\n")
				.doesNotContain("nginx proxy");
		}
	}

	@Test
	void proxyWithoutClientCertificateVarsGivesNoClientCertificate() throws Exception {
		try (UwsgiTomcat server = tlsServer("required").start()) {
			String reply = exchange(server, certificates.clientContext(true),
					request("REQUEST_METHOD", "GET", "REQUEST_URI", "/tls", "HTTPS", "on"));
			assertThat(reply).contains("certificate=null\n", "cipher_suite=null\n", "key_size=null\n");
		}
	}

	@Test
	void peerWithoutAClientCertificateIsRefusedWhenOneIsRequired() throws Exception {
		try (UwsgiTomcat server = tlsServer("required").start()) {
			assertThatExceptionOfType(IOException.class)
				.isThrownBy(() -> exchange(server, certificates.clientContext(false)));
			UwsgiConnectionTests.await(() -> server.listener.closed.get() == 1);
			assertThat(server.listener.exchanges).isEmpty();
			assertThat(server.listener.rejected).isEmpty();
		}
	}

	@Test
	void peerSilentBeforeTheHandshakeIsClosedAtTheHeaderTimeoutAsARefusal() throws Exception {
		try (UwsgiTomcat server = new UwsgiTomcat((connector) -> {
			connector.setProperty("SSLEnabled", "true");
			connector.addSslHostConfig(certificates.serverConfig("none"));
			connector.setProperty("headerTimeout", "500");
			connector.setProperty("selectorTimeout", "100");
			connector.setProperty("socket.timeoutInterval", "100");
		}).start(); RawClient client = server.client()) {
			assertThat(client.readToEnd().bytes()).isEmpty();
			UwsgiConnectionTests.await(() -> server.listener.closed.get() == 1);
			assertThat(server.listener.rejected).containsExactly(Reason.HEADER_TIMEOUT);
		}
	}

	@Test
	void requiredClientCertificatesProtectANonLoopbackAddress() throws Exception {
		try (UwsgiTomcat server = tlsServer("required", "0.0.0.0").start()) {
			assertThat(server.connector.getState()).isEqualTo(LifecycleState.STARTED);
		}
	}

	@Test
	void optionalClientCertificatesDoNotProtectANonLoopbackAddress() throws Exception {
		try (UwsgiTomcat server = tlsServer("optional", "0.0.0.0")) {
			try {
				server.start();
			}
			catch (Exception ex) {
				assertThat(ex).rootCause().hasMessageContaining("certificateVerification");
			}
			assertThat(server.connector.getState()).isNotEqualTo(LifecycleState.STARTED);
		}
	}

	private static UwsgiTomcat tlsServer(String verification) throws IOException {
		return tlsServer(verification, "127.0.0.1");
	}

	private static UwsgiTomcat tlsServer(String verification, String address) throws IOException {
		return new UwsgiTomcat((connector) -> {
			connector.setProperty("address", address);
			connector.setProperty("SSLEnabled", "true");
			connector.addSslHostConfig(certificates.serverConfig(verification));
		});
	}

	private static String exchange(UwsgiTomcat server, SSLContext context) throws IOException {
		return exchange(server, context, GET);
	}

	private static String exchange(UwsgiTomcat server, SSLContext context, byte[] packet) throws IOException {
		try (SSLSocket socket = (SSLSocket) context.getSocketFactory()
			.createSocket(InetAddress.getLoopbackAddress(), server.port())) {
			socket.setSoTimeout(10_000);
			socket.startHandshake();
			socket.getOutputStream().write(packet);
			socket.getOutputStream().flush();
			ByteArrayOutputStream received = new ByteArrayOutputStream();
			InputStream in = socket.getInputStream();
			in.transferTo(received);
			return received.toString(StandardCharsets.ISO_8859_1);
		}
	}

}
