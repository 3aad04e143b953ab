package io.github.uwsgispringboot.autoconfigure;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

import org.apache.catalina.LifecycleException;
import org.apache.catalina.Service;
import org.apache.catalina.connector.Connector;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.coyote.ProtocolHandler;

import org.springframework.boot.tomcat.TomcatProtocolHandlerCustomizer;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.tomcat.autoconfigure.TomcatServerProperties;
import org.springframework.boot.util.LambdaSafe;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.ClassUtils;

import io.github.uwsgispringboot.protocol.ListenBacklog;
import io.github.uwsgispringboot.protocol.ListenQueue;
import io.github.uwsgispringboot.protocol.ListenQueueMonitor;
import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiListenerStatus;
import io.github.uwsgispringboot.protocol.UwsgiServerListener;
import io.github.uwsgispringboot.protocol.UwsgiServerException;
import io.github.uwsgispringboot.tomcat.StandardInputListener;
import io.github.uwsgispringboot.tomcat.UwsgiNioProtocol;
import io.github.uwsgispringboot.protocol.SocketActivation;
import io.github.uwsgispringboot.protocol.UnixSocketFile;

/**
 * The uwsgi listeners of a servlet application on Tomcat: a {@link UwsgiNioProtocol} connector
 * for TCP and one for the unix socket, configured from {@code uwsgi.*} and added to the running
 * Tomcat once the web server has started, so that they serve the application's context whether or
 * not its HTTP connector listens ({@code server.port=-1}). Spring Boot's request thread settings
 * ({@code server.tomcat.threads.*}) and its protocol handler customizations (virtual threads) apply
 * to them too, and {@code server.tomcat.accept-count} when {@code uwsgi.backlog} is not set; its
 * connector customizations, which are the HTTP connector's, do not.
 * <p>
 * Stopped gracefully at the phase of Spring Boot's graceful shutdown: the unix socket file goes
 * first, no connection is accepted any more, and the requests in flight finish within the
 * shutdown phase's timeout.
 * <p>
 * Started with a listening socket on standard input (systemd's {@code StandardInput=socket}, see
 * {@link StandardInputListener}), one connector serves on it instead of binding, following
 * {@code uwsgi.inherited-sockets}; its stop leaves the socket, its queue and its file to the next
 * process. The descriptors from 3 on that systemd passes otherwise ({@code LISTEN_FDS}) cannot be
 * adopted through the JDK: start-up fails and says how to pass the socket on standard input.
 */
final class UwsgiTomcatConnectors implements SmartLifecycle, UwsgiListenerStatus {

	private static final Log logger = LogFactory.getLog(UwsgiTomcatConnectors.class);

	private final UwsgiProperties properties;

	private final UwsgiServerListener listener;

	private final UwsgiTomcatSsl ssl;

	private final ApplicationContext context;

	private final ApplicationEventPublisher eventPublisher;

	private final ConfigurableEnvironment environment;

	private final Duration gracefulTimeout;

	private List<TomcatProtocolHandlerCustomizer<?>> protocolHandlerCustomizers = List.of();

	private TomcatServerProperties tomcatProperties;

	private List<UwsgiTomcatConnectorCustomizer> connectorCustomizers = List.of();

	private final List<Connector> connectors = new ArrayList<>();

	private Service service;

	private volatile boolean running;

	private volatile InetSocketAddress tcpAddress;

	/** Reads the connectors' accept queues while they listen. */
	private volatile ListenQueueMonitor listenQueues;

	/** The listening socket on standard input served instead of binding; {@code null} to bind. */
	private final StandardInputListener inherited;

	UwsgiTomcatConnectors(UwsgiProperties properties, List<UwsgiServerListener> listeners, UwsgiTomcatSsl ssl,
			ApplicationContext context, ConfigurableEnvironment environment, Duration gracefulTimeout) {
		this.inherited = inheritedListener(properties, SocketActivation.fromEnvironment(), standardInputListener());
		UwsgiAccessPolicy accessPolicy = UwsgiListenerSettings.accessPolicy(properties);
		if (this.inherited == null) {
			UwsgiListenerSettings.requireSomewhereToListen(properties);
			UwsgiListenerSettings.checkProtected(properties, accessPolicy, ssl != null);
		}
		else {
			checkProtected(this.inherited, UwsgiListenerSettings.mayListenUnprotected(properties, accessPolicy,
					ssl != null));
		}
		this.properties = properties;
		this.listener = UwsgiServerListener.all(listeners);
		this.ssl = ssl;
		this.context = context;
		this.eventPublisher = context;
		this.environment = environment;
		this.gracefulTimeout = gracefulTimeout;
	}

	/**
	 * Size the uwsgi connectors' request threads as {@code server.tomcat.threads.*} size the HTTP
	 * connector's.
	 */
	void setTomcatProperties(TomcatServerProperties tomcatProperties) {
		this.tomcatProperties = tomcatProperties;
	}

	/**
	 * Apply these customizers to each uwsgi connector, last.
	 */
	void setConnectorCustomizers(List<UwsgiTomcatConnectorCustomizer> customizers) {
		this.connectorCustomizers = List.copyOf(customizers);
	}

	/**
	 * Apply these customizers of the web server factory to the uwsgi connectors' protocol
	 * handlers too.
	 */
	void setProtocolHandlerCustomizers(List<TomcatProtocolHandlerCustomizer<?>> customizers) {
		this.protocolHandlerCustomizers = List.copyOf(customizers);
	}

	@Override
	public synchronized void start() {
		Service service = tomcatService();
		if (service == null) {
			return;
		}
		if (this.inherited != null) {
			Connector connector = addConnector(service, inheritedConnector(), this.inherited.toString());
			if (!this.inherited.isUnix()) {
				this.tcpAddress = (InetSocketAddress) this.inherited.address();
				UwsgiListenerSettings.publishLocalPort(this.environment, connector.getLocalPort());
			}
		}
		else {
			if (this.properties.getPort() >= 0) {
				Connector tcp = addConnector(service, tcpConnector(),
						this.properties.getAddress().getHostAddress() + ":" + this.properties.getPort());
				this.tcpAddress = new InetSocketAddress(this.properties.getAddress(), tcp.getLocalPort());
				UwsgiListenerSettings.publishLocalPort(this.environment, tcp.getLocalPort());
			}
			Path unixSocket = unixSocketPath();
			if (unixSocket != null) {
				addConnector(service, unixConnector(unixSocket), "unix:" + unixSocket);
			}
		}
		this.service = service;
		this.running = true;
		logger.info("uwsgi server listening on " + where() + " (Tomcat connector"
				+ ((this.inherited != null) ? ", inherited from the service manager: [" + this.inherited + "])" : ")"));
		watchListenQueues();
		if (ClassUtils.isPresent("org.springframework.web.reactive.DispatcherHandler", getClass().getClassLoader())) {
			logger.info("Spring WebFlux is on the class path too, but Spring Boot runs this application as a servlet "
					+ "application: uwsgi serves its Spring MVC side through Tomcat");
		}
		this.eventPublisher.publishEvent(new UwsgiServerStartedEvent(this));
	}

	/**
	 * Start reading the connectors' accept queues, and tell the listeners which can be read.
	 */
	private void watchListenQueues() {
		Path unixSocket = (this.inherited != null) ? this.inherited.unixSocketPath() : unixSocketPath();
		if (this.inherited != null && !this.inherited.isUnix()) {
			// its limit is the .socket unit's Backlog=, which Tomcat's channel cannot read (TCP_INFO)
			logger.info("The listen queue of the inherited " + this.inherited + " is not watched: its limit, the "
					+ ".socket unit's Backlog=, cannot be read through the JDK");
			return;
		}
		UwsgiListenerSettings.Backlog backlog = UwsgiListenerSettings.tomcatBacklog(this.properties, this.environment);
		int limit = ListenBacklog.limit(backlog.value(), backlog.toString());
		List<ListenQueueMonitor.Listener> watched = new ArrayList<>(2);
		if (this.tcpAddress != null) {
			watched.add(ListenQueueMonitor.Listener.tcp(this.tcpAddress, limit, backlog.property()));
		}
		if (unixSocket != null) {
			watched.add(ListenQueueMonitor.Listener.unix(unixSocket, backlog.property()));
		}
		ListenQueueMonitor monitor = ListenQueueMonitor.start(watched);
		this.listenQueues = monitor;
		for (String transport : monitor.transports()) {
			this.listener.listenQueueWatched(transport, () -> monitor.latest(transport));
		}
	}

	private static StandardInputListener standardInputListener() {
		try {
			return StandardInputListener.find();
		}
		catch (IOException ex) {
			throw new UwsgiServerException("uwsgi server failed to start: cannot read the address of the socket on "
					+ "standard input: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Return the socket to serve on instead of binding, following {@code uwsgi.inherited-sockets}:
	 * the listening socket on standard input, the one the JDK can adopt
	 * ({@code System.inheritedChannel()}). Sockets passed from descriptor 3 on ({@code LISTEN_FDS})
	 * fail start-up whatever the mode but {@code ignore}: binding as configured instead would fail
	 * on the socket systemd holds, or worse, succeed beside it, and the requests queued on
	 * systemd's socket would never be served.
	 * @param standardInput the listening socket on standard input, {@code null} when there is none
	 * @return the socket, or {@code null} to bind as configured
	 * @throws UwsgiServerException when the sockets passed in cannot be served
	 */
	static StandardInputListener inheritedListener(UwsgiProperties properties, SocketActivation activation,
			StandardInputListener standardInput) {
		UwsgiProperties.InheritedSockets mode = properties.getInheritedSockets();
		if (mode == UwsgiProperties.InheritedSockets.IGNORE) {
			if (standardInput != null || activation.isPresent()) {
				logger.info("uwsgi.inherited-sockets=ignore: not serving on the sockets passed in ("
						+ ((standardInput != null) ? "[" + standardInput + "]" : activation) + ")");
			}
			return null;
		}
		if (standardInput != null) {
			UwsgiListenerSettings.logSettingsNotUsed(properties, List.of(standardInput));
			if (activation.isPresent()) {
				logger.warn("uwsgi connector serves on " + standardInput + " only, not on the sockets passed from "
						+ "descriptor 3 on (" + activation + "): the JDK cannot adopt those");
			}
			return standardInput;
		}
		String why = " The Tomcat connector listens through the JDK, which adopts one inherited socket only: a "
				+ "listening socket on standard input (descriptor 0, System.inheritedChannel()). Put StandardInput=socket "
				+ "and StandardOutput=journal in the .service unit, and one socket in the .socket unit";
		if (activation.isPresent()) {
			throw new UwsgiServerException("uwsgi connector cannot serve on the sockets passed from descriptor 3 on ("
					+ activation + ", LISTEN_FDS)." + why + "; or set uwsgi.inherited-sockets=ignore to bind as "
					+ "configured.", null);
		}
		if (mode == UwsgiProperties.InheritedSockets.REQUIRE) {
			throw new UwsgiServerException("uwsgi server failed to start: uwsgi.inherited-sockets=require but no "
					+ "socket was passed in: standard input is " + StandardInputListener.describeStandardInput()
					+ ((activation.ignoredBecause() != null) ? ", and " + activation.ignoredBecause() : "") + "." + why
					+ "; or set uwsgi.inherited-sockets=when-present.", null);
		}
		if (activation.ignoredBecause() != null) {
			logger.warn("uwsgi server binds as configured: " + activation.ignoredBecause());
		}
		return null;
	}

	/**
	 * Refuse an inherited TCP socket bound beyond loopback that anyone there could use, as a
	 * configured address is refused: a bare {@code ListenStream=3031} listens on every interface.
	 */
	static void checkProtected(StandardInputListener inherited, boolean mayListenUnprotected) {
		if (!mayListenUnprotected && inherited.address() instanceof InetSocketAddress inet
				&& !inet.getAddress().isLoopbackAddress()) {
			throw UwsgiServerException.unprotectedInheritedSocket(inherited.toString(), inet);
		}
	}

	/**
	 * Return the service of the application's embedded Tomcat, or {@code null} when the
	 * application has none: a mock web environment in tests, or another server.
	 */
	private Service tomcatService() {
		if (!(this.context instanceof WebServerApplicationContext web)) {
			logger.info("No uwsgi listener started: the application has no embedded web server (a mock web "
					+ "environment?)");
			return null;
		}
		WebServer webServer = web.getWebServer();
		if (!(webServer instanceof TomcatWebServer tomcat)) {
			logger.warn("No uwsgi listener started: the uwsgi connector needs the application's web server to be "
					+ "Tomcat, found " + ((webServer != null) ? webServer.getClass().getName() : "none")
					+ " (Jetty is not supported yet: use spring-boot-starter-tomcat)");
			return null;
		}
		return tomcat.getTomcat().getService();
	}

	/**
	 * Start a connector and add it to the service, or fail saying where it could not listen and why.
	 */
	private Connector addConnector(Service service, Connector connector, String where) {
		connector.setService(service);
		try {
			connector.start();
		}
		catch (LifecycleException ex) {
			stopQuietly(connector);
			Throwable cause = ex;
			while (cause.getCause() != null) {
				cause = cause.getCause();
			}
			throw new UwsgiServerException("uwsgi connector could not listen on " + where + ": " + cause.getMessage(),
					ex);
		}
		service.addConnector(connector);
		this.connectors.add(connector);
		return connector;
	}

	private Connector tcpConnector() {
		Connector connector = newConnector();
		connector.setPort(this.properties.getPort());
		((UwsgiNioProtocol) connector.getProtocolHandler()).setAddress(this.properties.getAddress());
		return connector;
	}

	/**
	 * Return a connector on the inherited socket: address, port, path and permissions are the
	 * socket unit's.
	 */
	private Connector inheritedConnector() {
		Connector connector = newConnector();
		connector.setPort(0);
		setProperty(connector, "useInheritedChannel", "true");
		return connector;
	}

	private Connector unixConnector(Path path) {
		Connector connector = newConnector();
		connector.setPort(0);
		new UnixSocketFile(path).prepare();
		setProperty(connector, "unixDomainSocketPath", path.toString());
		Set<PosixFilePermission> permissions = UwsgiListenerSettings
			.permissions(this.properties.getUnixSocket().getPermissions());
		if (permissions != null) {
			setProperty(connector, "unixDomainSocketPathPermissions", PosixFilePermissions.toString(permissions));
		}
		return connector;
	}

	static void setProperty(Connector connector, String name, String value) {
		if (!connector.setProperty(name, value)) {
			throw new IllegalStateException("The uwsgi connector does not take " + name);
		}
	}

	private Connector newConnector() {
		Connector connector = new Connector(UwsgiNioProtocol.class.getName());
		connector.setThrowOnFailure(true);
		UwsgiNioProtocol protocol = (UwsgiNioProtocol) connector.getProtocolHandler();
		UwsgiLimits limits = UwsgiListenerSettings.limits(this.properties);
		protocol.setMaxVarsSize(limits.maxVarsSize());
		protocol.setMaxVars(limits.maxVars());
		protocol.setMaxBodySize(limits.maxBodySize());
		protocol.setHeaderTimeout(limits.headerTimeout().toMillis());
		protocol.setBodyIdleTimeout(limits.bodyIdleTimeout().toMillis());
		protocol.setRequestTimeout(limits.requestTimeout().limit().toMillis());
		protocol.setLingerTimeout(this.properties.getLingerTimeout().toMillis());
		protocol.setMaxConnections(this.properties.getMaxConnections());
		UwsgiAccessPolicy policy = UwsgiListenerSettings.accessPolicy(this.properties);
		if (!policy.allowedNetworks().isEmpty()) {
			protocol.setAllowedClients(String.join(",", this.properties.getAllowedClients()));
		}
		if (policy.secret() != null) {
			protocol.setSecretVar(policy.secretVar());
			protocol.setSecret(policy.secret());
		}
		// checked once for both servers, with the message that names the properties
		protocol.setAllowUnprotectedNonLoopback(true);
		protocol.setServerListener(this.listener);
		if (this.ssl != null) {
			this.ssl.apply(connector);
		}
		if (this.tomcatProperties != null) {
			protocol.setMaxThreads(this.tomcatProperties.getThreads().getMax());
			protocol.setMinSpareThreads(this.tomcatProperties.getThreads().getMinSpare());
			protocol.setMaxQueueSize(this.tomcatProperties.getThreads().getMaxQueueCapacity());
		}
		protocol.setAcceptCount(UwsgiListenerSettings.tomcatBacklog(this.properties, this.environment).value());
		customize(protocol);
		this.connectorCustomizers.forEach((customizer) -> customizer.customize(connector));
		return connector;
	}

	@SuppressWarnings("unchecked")
	private void customize(ProtocolHandler protocol) {
		LambdaSafe.callbacks(TomcatProtocolHandlerCustomizer.class, this.protocolHandlerCustomizers, protocol)
			.invoke((customizer) -> customizer.customize(protocol));
	}

	@Override
	public void stop() {
		stopConnectors(null);
	}

	@Override
	public void stop(Runnable callback) {
		Thread shutdown = new Thread(() -> {
			try {
				stopConnectors(this.gracefulTimeout);
			}
			finally {
				callback.run();
			}
		}, "uwsgi-shutdown");
		shutdown.start();
	}

	/**
	 * Stop accepting, wait for the connections in flight when {@code timeout} is not
	 * {@code null}, then stop and remove the connectors.
	 */
	private synchronized void stopConnectors(Duration timeout) {
		this.running = false;
		ListenQueueMonitor monitor = this.listenQueues;
		if (monitor != null) {
			monitor.close();
			this.listenQueues = null;
		}
		for (Connector connector : this.connectors) {
			connector.pause();
		}
		if (timeout != null) {
			awaitIdle(timeout);
		}
		for (Connector connector : this.connectors) {
			if (this.service != null) {
				this.service.removeConnector(connector);
			}
			stopQuietly(connector);
		}
		this.connectors.clear();
	}

	private void awaitIdle(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline && openConnections() > 0) {
			try {
				TimeUnit.MILLISECONDS.sleep(20);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
		long left = openConnections();
		if (left > 0) {
			logger.warn("uwsgi connector stopping with " + left + " connection(s) still open after " + timeout);
		}
	}

	private long openConnections() {
		long open = 0;
		for (Connector connector : this.connectors) {
			open += ((UwsgiNioProtocol) connector.getProtocolHandler()).getConnectionCount();
		}
		return open;
	}

	private static void stopQuietly(Connector connector) {
		try {
			connector.stop();
			connector.destroy();
		}
		catch (LifecycleException ex) {
			logger.debug("uwsgi connector did not stop cleanly", ex);
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return UwsgiServerLifecycle.PHASE;
	}

	@Override
	public boolean isListening() {
		return this.running;
	}

	@Override
	public InetSocketAddress tcpAddress() {
		return this.running ? this.tcpAddress : null;
	}

	@Override
	public List<ListenQueue> listenQueues() {
		ListenQueueMonitor monitor = this.listenQueues;
		return (monitor != null) ? monitor.latest() : List.of();
	}

	@Override
	public Path unixSocketPath() {
		if (this.inherited != null) {
			return this.inherited.unixSocketPath();
		}
		return this.properties.getUnixSocket().getPath();
	}

	private String where() {
		StringJoiner where = new StringJoiner(" and ");
		if (this.tcpAddress != null) {
			where.add(this.tcpAddress.getAddress().getHostAddress() + ":" + this.tcpAddress.getPort());
		}
		if (unixSocketPath() != null) {
			where.add("unix:" + unixSocketPath());
		}
		return where.toString();
	}

}
