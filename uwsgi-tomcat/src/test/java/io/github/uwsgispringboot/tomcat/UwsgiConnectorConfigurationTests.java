package io.github.uwsgispringboot.tomcat;

import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.github.uwsgispringboot.protocol.UwsgiProtocolException.Reason;
import org.apache.catalina.Context;
import org.apache.catalina.Host;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Server;
import org.apache.catalina.Service;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Catalina;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.digester.Digester;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.github.uwsgispringboot.tomcat.UwsgiPackets.header;
import static io.github.uwsgispringboot.tomcat.UwsgiPackets.request;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The uwsgi connector as users configure it: access control, unix sockets, {@code server.xml}.
 */
class UwsgiConnectorConfigurationTests {

	private static final byte[] GET = request("REQUEST_METHOD", "GET", "REQUEST_URI", "/echo", "PROXY_SECRET",
			"s3cret", "REMOTE_ADDR", "198.51.100.1", "REMOTE_PORT", "4000");

	@Test
	void peerOutsideTheAllowedClientsIsAnswered403ButItsPingsAreAnswered() throws Exception {
		try (UwsgiTomcat server = new UwsgiTomcat((c) -> c.setProperty("allowedClients", "10.0.0.0/8, fd00::/8"))
			.start()) {
			try (RawClient client = server.client()) {
				assertThat(client.send(GET).readToEnd().statusLine()).isEqualTo("HTTP/1.1 403 Forbidden");
			}
			try (RawClient client = server.client()) {
				assertThat(client.send(new byte[] { 100, 0, 0, 0 }).readToEnd().bytes()).containsExactly(100, 0, 0, 1);
			}
			assertThat(server.listener.rejected).containsExactly(Reason.CLIENT_NOT_ALLOWED);
		}
	}

	@Test
	void requestWithoutTheSecretIsAnswered403AndTheSecretVarIsNeverSeen() throws Exception {
		try (UwsgiTomcat server = new UwsgiTomcat((c) -> c.setProperty("secret", "s3cret")).start()) {
			try (RawClient client = server.client()) {
				RawClient.Reply reply = client.send(request("REQUEST_METHOD", "GET", "REQUEST_URI", "/", "PROXY_SECRET",
						"wrong")).readToEnd();
				assertThat(reply.statusLine()).isEqualTo("HTTP/1.1 403 Forbidden");
			}
			try (RawClient client = server.client()) {
				RawClient.Reply reply = client.send(GET).readToEnd();
				assertThat(reply.statusLine()).isEqualTo("HTTP/1.1 200 OK");
				assertThat(reply.body()).contains("remote=198.51.100.1:4000", "PROXY_SECRET visible=false");
			}
			assertThat(server.listener.rejected).containsExactly(Reason.SECRET_MISMATCH);
		}
	}

	@Test
	void nonLoopbackAddressWithoutProtectionFailsToStartWithAClearMessage() throws Exception {
		try (UwsgiTomcat server = new UwsgiTomcat((c) -> c.setProperty("address", "0.0.0.0"))) {
			try {
				server.start();
			}
			catch (Exception ex) {
				assertThat(ex).rootCause().hasMessageContaining("allowedClients");
			}
			assertThat(server.connector.getState()).isNotEqualTo(LifecycleState.STARTED);
		}
	}

	@Test
	void nonLoopbackAddressStartsWithAllowedClientsOrTheOptOut() throws Exception {
		try (UwsgiTomcat server = new UwsgiTomcat((c) -> {
			c.setProperty("address", "0.0.0.0");
			c.setProperty("allowUnprotectedNonLoopback", "true");
		}).start()) {
			assertThat(server.connector.getState()).isEqualTo(LifecycleState.STARTED);
		}
		try (UwsgiTomcat server = new UwsgiTomcat((c) -> {
			c.setProperty("address", "0.0.0.0");
			c.setProperty("allowedClients", "127.0.0.1");
		}).start()) {
			try (RawClient client = server.client()) {
				assertThat(client.send(GET).readToEnd().statusLine()).isEqualTo("HTTP/1.1 200 OK");
			}
		}
	}

	@Test
	void servesAUnixDomainSocket(@TempDir Path directory) throws Exception {
		Path socket = directory.resolve("uwsgi.sock");
		try (UwsgiTomcat server = new UwsgiTomcat((c) -> {
			c.setProperty("unixDomainSocketPath", socket.toString());
			c.setProperty("unixDomainSocketPathPermissions", "rw-rw----");
		}).start()) {
			assertThat(Files.getPosixFilePermissions(socket)).hasSize(4);
			String reply = exchangeOverUnixSocket(socket, GET);
			assertThat(reply).startsWith("HTTP/1.1 200 OK\r\n").contains("remote=198.51.100.1:4000");
			assertThat(server.listener.transports).containsExactly("unix");
		}
	}

	/** Reads a {@code server.xml} with the rules Tomcat's own startup uses. */
	static class ServerXml extends Catalina {

		void parse(Path file) throws Exception {
			Digester digester = createStartDigester();
			digester.push(this);
			digester.parse(file.toFile());
		}

	}

	private static String exchangeOverUnixSocket(Path socket, byte[] packet) throws Exception {
		try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			channel.connect(UnixDomainSocketAddress.of(socket));
			channel.write(ByteBuffer.wrap(packet));
			ByteArrayOutputStream received = new ByteArrayOutputStream();
			ByteBuffer buffer = ByteBuffer.allocate(8192);
			while (channel.read(buffer.clear()) != -1) {
				received.write(buffer.array(), 0, buffer.position());
			}
			return received.toString(StandardCharsets.ISO_8859_1);
		}
	}

	@Test
	void connectorDeclaredInServerXmlTakesItsProperties(@TempDir Path base) throws Exception {
		Path serverXml = base.resolve("server.xml");
		Files.writeString(serverXml, """
				<Server port="-1">
				  <Service name="Catalina">
				    <Connector protocol="io.github.uwsgispringboot.tomcat.UwsgiNioProtocol" port="0"
				               maxVarsSize="200" secret="s3cret"/>
				    <Engine name="Catalina" defaultHost="localhost">
				      <Host name="localhost" appBase="webapps" autoDeploy="false" deployOnStartup="false"/>
				    </Engine>
				  </Service>
				</Server>
				""");
		ServerXml catalina = new ServerXml();
		catalina.parse(serverXml);
		Server server = catalina.getServer();
		server.setCatalinaBase(base.toFile());
		server.setCatalinaHome(base.toFile());
		server.init();
		Service service = catalina.getServer().findServices()[0];
		Context context = new StandardContext();
		context.setPath("");
		context.addLifecycleListener(new Tomcat.FixContextListener());
		((Host) service.getContainer().findChild("localhost")).addChild(context);
		Tomcat.addServlet(context, "app", new TestApplication());
		context.addServletMappingDecoded("/*", "app");
		server.start();
		try {
			Connector connector = service.findConnectors()[0];
			assertThat(connector.getProtocolHandler()).isInstanceOf(UwsgiNioProtocol.class);
			assertThat(((UwsgiNioProtocol) connector.getProtocolHandler()).getMaxVarsSize()).isEqualTo(200);
			try (RawClient client = new RawClient(connector.getLocalPort())) {
				assertThat(client.send(GET).readToEnd().statusLine()).isEqualTo("HTTP/1.1 200 OK");
			}
			try (RawClient client = new RawClient(connector.getLocalPort())) {
				RawClient.Reply reply = client.send(header(0, 201)).readToEnd(); // 201 bytes of vars, limit 200
				assertThat(reply.statusLine()).isEqualTo("HTTP/1.1 431 Request Header Fields Too Large");
			}
		}
		finally {
			server.stop();
			server.destroy();
		}
	}

}
