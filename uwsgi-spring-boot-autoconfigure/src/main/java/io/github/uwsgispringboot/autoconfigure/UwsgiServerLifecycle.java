package io.github.uwsgispringboot.autoconfigure;

import java.time.Duration;
import java.util.StringJoiner;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;

import io.github.uwsgispringboot.server.UwsgiServer;

/**
 * Starts the {@link UwsgiServer} with the application context and stops it with it: gracefully
 * when {@code server.shutdown=graceful} (Spring Boot's default), at the same time as the web
 * server's graceful shutdown.
 */
public class UwsgiServerLifecycle implements SmartLifecycle {

	/**
	 * The phase of Spring Boot's graceful web server shutdown
	 * ({@code WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE}): the uwsgi server starts after
	 * the web server and drains beside it on shutdown.
	 */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

	/** The property holding the bound TCP port, for tests that bind port 0. */
	public static final String LOCAL_PORT_PROPERTY = "local.uwsgi.port";

	private static final Log logger = LogFactory.getLog(UwsgiServerLifecycle.class);

	private final UwsgiServer server;

	private final ApplicationEventPublisher eventPublisher;

	private final ConfigurableEnvironment environment;

	private final Duration gracefulTimeout;

	private volatile boolean running;

	/**
	 * Create a lifecycle for a server.
	 * @param server the server
	 * @param eventPublisher publishes the {@link UwsgiServerStartedEvent}
	 * @param environment receives {@value #LOCAL_PORT_PROPERTY}
	 * @param gracefulTimeout how long to wait for requests in flight on stop, or {@code null} to
	 * stop at once
	 */
	public UwsgiServerLifecycle(UwsgiServer server, ApplicationEventPublisher eventPublisher,
			ConfigurableEnvironment environment, Duration gracefulTimeout) {
		this.server = server;
		this.eventPublisher = eventPublisher;
		this.environment = environment;
		this.gracefulTimeout = gracefulTimeout;
	}

	@Override
	public void start() {
		this.server.start();
		this.running = true;
		StringJoiner where = new StringJoiner(" and ");
		if (this.server.tcpAddress() != null) {
			where.add(this.server.tcpAddress().getAddress().getHostAddress() + ":" + this.server.tcpAddress().getPort());
			UwsgiListenerSettings.publishLocalPort(this.environment, this.server.tcpAddress().getPort());
		}
		if (this.server.unixSocketPath() != null) {
			where.add("unix:" + this.server.unixSocketPath());
		}
		String inherited = this.server.inheritedSockets().isEmpty() ? ""
				: " (inherited from the service manager: " + this.server.inheritedSockets() + ")";
		logger.info("uwsgi server listening on " + where + inherited);
		this.eventPublisher.publishEvent(new UwsgiServerStartedEvent(this.server));
	}

	@Override
	public void stop() {
		this.running = false;
		this.server.stop();
	}

	@Override
	public void stop(Runnable callback) {
		if (this.gracefulTimeout == null) {
			stop();
			callback.run();
			return;
		}
		this.running = false;
		Thread shutdown = new Thread(() -> {
			try {
				this.server.shutDownGracefully(this.gracefulTimeout);
			}
			finally {
				callback.run();
			}
		}, "uwsgi-shutdown");
		shutdown.start();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
