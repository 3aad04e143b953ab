package io.github.uwsgispringboot.tomcat;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A process for {@link UwsgiInheritedChannelTests}: a {@link UwsgiTomcat} whose connector serves
 * on the listening socket on standard input, stopped gracefully on {@code SIGTERM} as Spring Boot
 * stops it (pause, wait for the connections in flight, stop). It logs to standard error:
 * standard output may be the socket too ({@code systemd-socket-activate --inetd}, or systemd's
 * default {@code StandardOutput=inherit} with {@code StandardInput=socket}).
 */
public final class InheritedChannelServer {

	private InheritedChannelServer() {
	}

	public static void main(String[] args) throws Exception {
		System.setOut(System.err);
		UwsgiTomcat server = new UwsgiTomcat((connector) -> {
			connector.setProperty("useInheritedChannel", "true");
			connector.setProperty("maxConnections", System.getProperty("maxConnections", "8192"));
			connector.setProperty("allowedClients", System.getProperty("allowedClients", ""));
			String certificates = System.getProperty("certificates");
			if (certificates != null) {
				connector.setProperty("SSLEnabled", "true");
				connector.addSslHostConfig(TestCertificates.madeIn(Path.of(certificates)).serverConfig("required"));
			}
			connector.setThrowOnFailure(true);
		});
		try {
			server.start();
		}
		catch (Exception ex) {
			ex.printStackTrace();
			System.exit(1);
		}
		UwsgiNioProtocol protocol = (UwsgiNioProtocol) server.connector.getProtocolHandler();
		System.err.println("listening, pid " + ProcessHandle.current().pid() + ", transport " + protocol.transport()
				+ ", port " + server.port());
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			try {
				server.connector.pause();
				System.err.println("paused");
				long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
				while (protocol.getConnectionCount() > 0 && System.nanoTime() < deadline) {
					Thread.sleep(10);
				}
				server.close();
				System.err.println("stopped");
			}
			catch (Exception ex) {
				ex.printStackTrace();
			}
		}));
		new CountDownLatch(1).await();
	}

}
