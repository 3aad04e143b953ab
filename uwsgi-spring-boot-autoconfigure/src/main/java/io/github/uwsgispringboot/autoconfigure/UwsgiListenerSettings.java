package io.github.uwsgispringboot.autoconfigure;

import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;

import io.github.uwsgispringboot.protocol.SocketActivation;
import io.github.uwsgispringboot.protocol.SocketActivation.PassedSocket;
import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.protocol.UwsgiRequestTimeout;
import io.github.uwsgispringboot.protocol.UwsgiServerException;

/**
 * What {@code uwsgi.*} means for a listener, the same for the Netty server and the Tomcat
 * connectors: limits, who may connect, socket file permissions, inherited sockets, the shutdown
 * deadline, and the checks that refuse a configuration before anything listens.
 */
final class UwsgiListenerSettings {

	private static final Log logger = LogFactory.getLog(UwsgiListenerSettings.class);

	private static final Duration DEFAULT_SHUTDOWN_PHASE_TIMEOUT = Duration.ofSeconds(30);

	private static final String BACKLOG = "uwsgi.backlog";

	private static final String TOMCAT_ACCEPT_COUNT = "server.tomcat.accept-count";

	/** The property source Spring Boot keeps {@code local.server.port} in. */
	private static final String PORTS_PROPERTY_SOURCE = "server.ports";

	private UwsgiListenerSettings() {
	}

	/**
	 * Refuse a configuration with nowhere to listen.
	 */
	static void requireSomewhereToListen(UwsgiProperties properties) {
		if (properties.getPort() == -1 && properties.getUnixSocket().getPath() == null) {
			throw new IllegalStateException("uwsgi.port is -1 and uwsgi.unix-socket.path is not set: the uwsgi "
					+ "listener has nowhere to listen. Set one of them, or uwsgi.enabled=false.");
		}
	}

	/**
	 * Return the sockets passed in by the service manager that the listeners serve on, following
	 * {@code uwsgi.inherited-sockets}, and log the settings they make unused.
	 * @return the sockets, empty to bind as configured
	 * @throws UwsgiServerException when sockets are required and none was passed
	 */
	static List<PassedSocket> inheritedSockets(UwsgiProperties properties, SocketActivation activation) {
		UwsgiProperties.InheritedSockets mode = properties.getInheritedSockets();
		if (mode == UwsgiProperties.InheritedSockets.IGNORE) {
			if (activation.isPresent()) {
				logger.info("uwsgi.inherited-sockets=ignore: not serving on the sockets passed in (" + activation + ")");
			}
			return List.of();
		}
		if (!activation.isPresent()) {
			String why = (activation.ignoredBecause() != null) ? activation.ignoredBecause() : "LISTEN_FDS is not set";
			if (mode == UwsgiProperties.InheritedSockets.REQUIRE) {
				throw new UwsgiServerException("uwsgi server failed to start: uwsgi.inherited-sockets=require but no "
						+ "socket was passed in (" + why + "). Start the application from a systemd .socket unit, "
						+ "or set uwsgi.inherited-sockets=when-present.", null);
			}
			if (activation.ignoredBecause() != null) {
				logger.warn("uwsgi server binds as configured: " + why);
			}
			return List.of();
		}
		List<PassedSocket> sockets = activation.forUwsgi();
		logSettingsNotUsed(properties, sockets);
		return sockets;
	}

	/**
	 * Log that the listeners serve on {@code sockets}, passed in by the service manager, and which
	 * settings that leaves unused.
	 */
	static void logSettingsNotUsed(UwsgiProperties properties, List<?> sockets) {
		StringJoiner unused = new StringJoiner(", ");
		unused.add("uwsgi.address=" + properties.getAddress().getHostAddress());
		unused.add("uwsgi.port=" + properties.getPort());
		if (properties.getUnixSocket().getPath() != null) {
			unused.add("uwsgi.unix-socket.path=" + properties.getUnixSocket().getPath());
		}
		if (properties.getUnixSocket().getPermissions() != null) {
			unused.add("uwsgi.unix-socket.permissions=" + properties.getUnixSocket().getPermissions());
		}
		logger.info("uwsgi server serves on the sockets passed in (" + sockets + "); the service manager owns them, "
				+ "so these settings are not used: " + unused + ", and no socket file is removed on stop");
	}

	/**
	 * Return the limits {@code uwsgi.*} sets.
	 */
	static UwsgiLimits limits(UwsgiProperties properties) {
		long maxVarsSize = properties.getMaxVarsSize().toBytes();
		long maxBodySize = properties.getMaxBodySize().toBytes();
		return new UwsgiLimits((int) Math.min(maxVarsSize, Integer.MAX_VALUE), properties.getMaxVars(),
				(maxBodySize < 0) ? -1 : maxBodySize, properties.getHeaderTimeout(), properties.getBodyIdleTimeout(),
				UwsgiRequestTimeout.of(properties.getRequestTimeout()));
	}

	static UwsgiAccessPolicy accessPolicy(UwsgiProperties properties) {
		List<UwsgiAccessPolicy.Network> networks = new ArrayList<>();
		for (String cidr : properties.getAllowedClients()) {
			try {
				networks.add(UwsgiAccessPolicy.Network.parse(cidr));
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException("uwsgi.allowed-clients: " + ex.getMessage());
			}
		}
		String secret = properties.getSharedSecret().getValue();
		boolean hasSecret = secret != null && !secret.isEmpty();
		return new UwsgiAccessPolicy(networks, hasSecret ? properties.getSharedSecret().getVar() : null,
				hasSecret ? secret : null);
	}

	/**
	 * Return whether a listener reachable from the network may serve without protection: it is
	 * protected by allowed clients, a shared secret or required client certificates, or the risk
	 * was accepted with {@code uwsgi.allow-unprotected}.
	 */
	static boolean mayListenUnprotected(UwsgiProperties properties, UwsgiAccessPolicy accessPolicy, boolean tls) {
		boolean clientCertificates = tls && properties.getSsl().getClientAuth() == UwsgiProperties.ClientAuth.NEED;
		return accessPolicy.isRestricted() || clientCertificates || properties.isAllowUnprotected();
	}

	/**
	 * Refuse a TCP listener reachable from the network that anyone there could use, as Tomcat's
	 * AJP connector does since Ghostcat (CVE-2020-1938).
	 */
	static void checkProtected(UwsgiProperties properties, UwsgiAccessPolicy accessPolicy, boolean tls) {
		boolean network = properties.getPort() >= 0 && !properties.getAddress().isLoopbackAddress();
		if (network && !mayListenUnprotected(properties, accessPolicy, tls)) {
			throw new UwsgiServerException("uwsgi server refuses to listen on " + properties.getAddress().getHostAddress()
					+ ":" + properties.getPort() + " unprotected: anyone who can reach it could send requests as any "
					+ "client. Set uwsgi.allowed-clients, uwsgi.shared-secret.value or uwsgi.ssl.client-auth=need, "
					+ "bind to loopback (uwsgi.address), or accept the risk with uwsgi.allow-unprotected=true.", null);
		}
	}

	/**
	 * Return the listen backlog of the Tomcat connectors: {@code uwsgi.backlog} when it is set,
	 * else {@code server.tomcat.accept-count} when that is set (it sized the uwsgi connectors'
	 * queue before {@code uwsgi.backlog} existed), else {@code uwsgi.backlog}'s default, the Netty
	 * server's.
	 * @throws IllegalArgumentException when the backlog is not positive
	 */
	static Backlog tomcatBacklog(UwsgiProperties properties, Environment environment) {
		Binder binder = Binder.get(environment);
		Integer acceptCount = binder.bind(TOMCAT_ACCEPT_COUNT, Integer.class).orElse(null);
		Backlog backlog = (acceptCount != null && !binder.bind(BACKLOG, Integer.class).isBound())
				? new Backlog(TOMCAT_ACCEPT_COUNT, acceptCount) : new Backlog(BACKLOG, properties.getBacklog());
		if (backlog.value() < 1) {
			throw new IllegalArgumentException(backlog + " must be positive");
		}
		return backlog;
	}

	/**
	 * A listen backlog and the property that set it.
	 */
	record Backlog(String property, int value) {

		@Override
		public String toString() {
			return this.property + "=" + this.value;
		}

	}

	/**
	 * Return how long a graceful shutdown may wait, following {@code server.shutdown} and
	 * {@code spring.lifecycle.timeout-per-shutdown-phase}, or {@code null} for an immediate one.
	 */
	static Duration gracefulTimeout(ConfigurableEnvironment environment) {
		if ("immediate".equalsIgnoreCase(environment.getProperty("server.shutdown", "graceful"))) {
			return null;
		}
		return Binder.get(environment)
			.bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
			.orElse(DEFAULT_SHUTDOWN_PHASE_TIMEOUT);
	}

	/**
	 * Parse a file mode, octal ({@code 660}, {@code 0660}) or symbolic ({@code rw-rw----}).
	 */
	static Set<PosixFilePermission> permissions(String mode) {
		if (mode == null || mode.isBlank()) {
			return null;
		}
		String value = mode.trim();
		if (!value.chars().allMatch((c) -> c >= '0' && c <= '7')) {
			try {
				return PosixFilePermissions.fromString(value);
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException("uwsgi.unix-socket.permissions must be octal (660) or symbolic "
						+ "(rw-rw----): '" + mode + "'", ex);
			}
		}
		int bits = Integer.parseInt(value, 8);
		if (value.length() > 4 || bits > 0777) {
			throw new IllegalArgumentException(
					"uwsgi.unix-socket.permissions must be a file mode from 000 to 777: '" + mode + "'");
		}
		PosixFilePermission[] order = { PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
				PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
				PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
				PosixFilePermission.OWNER_READ };
		Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
		for (int bit = 0; bit < order.length; bit++) {
			if ((bits & (1 << bit)) != 0) {
				permissions.add(order[bit]);
			}
		}
		return permissions;
	}

	/**
	 * Publish the bound TCP port as {@value UwsgiServerLifecycle#LOCAL_PORT_PROPERTY}, beside
	 * Spring Boot's {@code local.server.port}, for tests that bind port 0.
	 */
	static void publishLocalPort(ConfigurableEnvironment environment, int port) {
		MutablePropertySources sources = environment.getPropertySources();
		PropertySource<?> source = sources.get(PORTS_PROPERTY_SOURCE);
		if (source == null) {
			source = new MapPropertySource(PORTS_PROPERTY_SOURCE, new HashMap<>());
			sources.addFirst(source);
		}
		@SuppressWarnings("unchecked")
		Map<String, Object> ports = (Map<String, Object>) source.getSource();
		ports.put(UwsgiServerLifecycle.LOCAL_PORT_PROPERTY, port);
	}

}
