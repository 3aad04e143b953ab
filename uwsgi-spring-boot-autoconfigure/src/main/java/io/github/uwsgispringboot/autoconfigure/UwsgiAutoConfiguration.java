package io.github.uwsgispringboot.autoconfigure;

import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.EnumSet;
import java.util.Set;

import io.netty.handler.ssl.SslContext;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.util.ClassUtils;

import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.server.UwsgiAccessLog;
import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy;
import io.github.uwsgispringboot.server.UwsgiServer;
import io.github.uwsgispringboot.server.UwsgiServerCustomizer;
import io.github.uwsgispringboot.server.UwsgiServerException;
import io.github.uwsgispringboot.protocol.UwsgiServerListener;
import io.github.uwsgispringboot.server.UwsgiServerOptions;

/**
 * Serves a reactive web application's {@link HttpHandler} over uwsgi, beside its HTTP server (or
 * instead of it, with {@code server.port=-1}).
 */
@AutoConfiguration(afterName = { "org.springframework.boot.webflux.autoconfigure.HttpHandlerAutoConfiguration",
		"org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration" })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ HttpHandler.class, reactor.netty.http.server.HttpServer.class })
@ConditionalOnBooleanProperty(name = "uwsgi.enabled", matchIfMissing = true)
@ConditionalOnBean(HttpHandler.class)
@EnableConfigurationProperties(UwsgiProperties.class)
public final class UwsgiAutoConfiguration {

	private static final Duration DEFAULT_SHUTDOWN_PHASE_TIMEOUT = Duration.ofSeconds(30);

	private static final String COMPRESSION_CLASS = "org.springframework.boot.web.server.Compression";

	@Bean
	@ConditionalOnMissingBean
	UwsgiServer uwsgiServer(UwsgiProperties properties, ObjectProvider<HttpHandler> httpHandler,
			ObjectProvider<UwsgiServerListener> listeners, ObjectProvider<SslBundles> sslBundles,
			ObjectProvider<UwsgiServerCustomizer> customizers, ConfigurableEnvironment environment) {
		List<UwsgiServerListener> all = new ArrayList<>(listeners.orderedStream().toList());
		if (properties.getAccessLog().isEnabled()) {
			all.add(new UwsgiAccessLog());
		}
		SslContext sslContext = UwsgiSslContexts.fromProperties(properties.getSsl(), sslBundles);
		List<UwsgiServerCustomizer> allCustomizers = new ArrayList<>();
		UwsgiServerCustomizer compression = compression(environment);
		if (compression != null) {
			allCustomizers.add(compression);
		}
		allCustomizers.addAll(customizers.orderedStream().toList());
		return new UwsgiServer(options(properties, sslContext), httpHandler::getObject, all, allCustomizers);
	}

	@Bean
	@ConditionalOnMissingBean
	UwsgiServerLifecycle uwsgiServerLifecycle(UwsgiServer uwsgiServer, ApplicationEventPublisher eventPublisher,
			ConfigurableEnvironment environment) {
		return new UwsgiServerLifecycle(uwsgiServer, eventPublisher, environment, gracefulTimeout(environment));
	}

	static UwsgiServerOptions options(UwsgiProperties properties) {
		return options(properties, null);
	}

	static UwsgiServerOptions options(UwsgiProperties properties, SslContext sslContext) {
		long maxVarsSize = properties.getMaxVarsSize().toBytes();
		UwsgiProperties.UnixSocket unixSocket = properties.getUnixSocket();
		if (properties.getPort() == -1 && unixSocket.getPath() == null) {
			throw new IllegalStateException("uwsgi.port is -1 and uwsgi.unix-socket.path is not set: the uwsgi "
					+ "listener has nowhere to listen. Set one of them, or uwsgi.enabled=false.");
		}
		long maxBodySize = properties.getMaxBodySize().toBytes();
		UwsgiLimits limits = new UwsgiLimits((int) Math.min(maxVarsSize, Integer.MAX_VALUE), properties.getMaxVars(),
				(maxBodySize < 0) ? -1 : maxBodySize, properties.getHeaderTimeout(), properties.getBodyIdleTimeout());
		UwsgiAccessPolicy accessPolicy = accessPolicy(properties);
		checkProtected(properties, accessPolicy, sslContext);
		return new UwsgiServerOptions(properties.getAddress(), properties.getPort(), unixSocket.getPath(),
				permissions(unixSocket.getPermissions()), limits, properties.getLingerTimeout(), sslContext,
				accessPolicy, properties.getMaxConnections());
	}

	/**
	 * Return a customizer that applies {@code server.compression.*}, the HTTP server's response
	 * compression, to the uwsgi listener too.
	 */
	private static UwsgiServerCustomizer compression(ConfigurableEnvironment environment) {
		if (!ClassUtils.isPresent(COMPRESSION_CLASS, UwsgiAutoConfiguration.class.getClassLoader())) {
			return null;
		}
		return UwsgiCompressionCustomizer.fromEnvironment(environment);
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
	 * Refuse a TCP listener reachable from the network that anyone there could use, as Tomcat's
	 * AJP connector does since Ghostcat (CVE-2020-1938).
	 */
	private static void checkProtected(UwsgiProperties properties, UwsgiAccessPolicy accessPolicy,
			SslContext sslContext) {
		boolean network = properties.getPort() >= 0 && !properties.getAddress().isLoopbackAddress();
		boolean clientCertificates = sslContext != null
				&& properties.getSsl().getClientAuth() == UwsgiProperties.ClientAuth.NEED;
		if (network && !accessPolicy.isRestricted() && !clientCertificates && !properties.isAllowUnprotected()) {
			throw new UwsgiServerException("uwsgi server refuses to listen on " + properties.getAddress().getHostAddress()
					+ ":" + properties.getPort() + " unprotected: anyone who can reach it could send requests as any "
					+ "client. Set uwsgi.allowed-clients, uwsgi.shared-secret.value or uwsgi.ssl.client-auth=need, "
					+ "bind to loopback (uwsgi.address), or accept the risk with uwsgi.allow-unprotected=true.", null);
		}
	}

	/**
	 * Return how long a graceful shutdown may wait, following {@code server.shutdown} and
	 * {@code spring.lifecycle.timeout-per-shutdown-phase}, or {@code null} for an immediate one.
	 */
	private static Duration gracefulTimeout(ConfigurableEnvironment environment) {
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

}
