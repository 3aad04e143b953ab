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

import io.github.uwsgispringboot.protocol.SocketActivation;
import io.github.uwsgispringboot.protocol.SocketActivation.PassedSocket;
import io.github.uwsgispringboot.protocol.UwsgiLimits;
import io.github.uwsgispringboot.server.UwsgiAccessLog;
import io.github.uwsgispringboot.protocol.UwsgiAccessPolicy;
import io.github.uwsgispringboot.server.UwsgiServer;
import io.github.uwsgispringboot.server.UwsgiServerCustomizer;
import io.github.uwsgispringboot.protocol.UwsgiServerException;
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

	private static final String COMPRESSION_CLASS = "org.springframework.boot.web.server.Compression";

	@Bean
	@ConditionalOnMissingBean
	UwsgiServer uwsgiServer(UwsgiProperties properties, ObjectProvider<HttpHandler> httpHandler,
			ObjectProvider<UwsgiServerListener> listeners, ObjectProvider<SslBundles> sslBundles,
			ObjectProvider<UwsgiServerCustomizer> customizers, ConfigurableEnvironment environment) {
		List<UwsgiServerListener> all = new ArrayList<>(listeners.orderedStream().toList());
		if (properties.getAccessLog().isEnabled()) {
			all.add(new UwsgiAccessLog(properties.getAccessLog().getFormat()));
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
		return new UwsgiServerLifecycle(uwsgiServer, eventPublisher, environment, UwsgiListenerSettings.gracefulTimeout(environment));
	}

	static UwsgiServerOptions options(UwsgiProperties properties) {
		return options(properties, null);
	}

	static UwsgiServerOptions options(UwsgiProperties properties, SslContext sslContext) {
		return options(properties, sslContext, SocketActivation.fromEnvironment());
	}

	static UwsgiServerOptions options(UwsgiProperties properties, SslContext sslContext, SocketActivation activation) {
		List<PassedSocket> inherited = UwsgiListenerSettings.inheritedSockets(properties, activation);
		UwsgiAccessPolicy accessPolicy = UwsgiListenerSettings.accessPolicy(properties);
		if (inherited.isEmpty()) {
			UwsgiListenerSettings.requireSomewhereToListen(properties);
			UwsgiListenerSettings.checkProtected(properties, accessPolicy, sslContext != null);
		}
		UwsgiProperties.UnixSocket unixSocket = properties.getUnixSocket();
		return new UwsgiServerOptions(properties.getAddress(), properties.getPort(), unixSocket.getPath(),
				UwsgiListenerSettings.permissions(unixSocket.getPermissions()), UwsgiListenerSettings.limits(properties),
				properties.getLingerTimeout(), sslContext, accessPolicy, properties.getMaxConnections(), inherited,
				UwsgiListenerSettings.mayListenUnprotected(properties, accessPolicy, sslContext != null),
				properties.getBacklog());
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

}
