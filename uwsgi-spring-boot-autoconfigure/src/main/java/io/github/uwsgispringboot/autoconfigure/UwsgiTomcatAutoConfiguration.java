package io.github.uwsgispringboot.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.http.CookieProcessor;
import org.apache.tomcat.util.http.Rfc6265CookieProcessor;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.tomcat.autoconfigure.TomcatServerProperties;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

import io.github.uwsgispringboot.protocol.UwsgiServerListener;
import io.github.uwsgispringboot.server.UwsgiAccessLog;
import io.github.uwsgispringboot.tomcat.UwsgiNioProtocol;

/**
 * Serves a servlet application on Tomcat (Spring MVC, most Spring Boot applications) over uwsgi,
 * through {@link UwsgiNioProtocol} connectors beside its HTTP connector, or instead of it with
 * {@code server.port=-1}. The same {@code uwsgi.*} properties as for a WebFlux application.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration",
		"org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration",
		"io.github.uwsgispringboot.autoconfigure.UwsgiMetricsAutoConfiguration" })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ Tomcat.class, TomcatWebServerFactory.class, UwsgiNioProtocol.class })
@ConditionalOnBooleanProperty(name = "uwsgi.enabled", matchIfMissing = true)
@EnableConfigurationProperties(UwsgiProperties.class)
public final class UwsgiTomcatAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	UwsgiTomcatConnectors uwsgiTomcatConnectors(UwsgiProperties properties,
			ObjectProvider<UwsgiServerListener> listeners, ObjectProvider<SslBundles> sslBundles,
			ObjectProvider<TomcatServerProperties> tomcatProperties,
			ObjectProvider<UwsgiTomcatConnectorCustomizer> connectorCustomizers, ApplicationContext context,
			ConfigurableEnvironment environment) {
		List<UwsgiServerListener> all = new ArrayList<>(listeners.orderedStream().toList());
		if (properties.getAccessLog().isEnabled()) {
			all.add(new UwsgiAccessLog(properties.getAccessLog().getFormat()));
		}
		UwsgiTomcatConnectors connectors = new UwsgiTomcatConnectors(properties, all,
				UwsgiTomcatSsl.fromProperties(properties.getSsl(), sslBundles), context, environment,
				UwsgiListenerSettings.gracefulTimeout(environment));
		tomcatProperties.ifAvailable(connectors::setTomcatProperties);
		connectors.setConnectorCustomizers(connectorCustomizers.orderedStream().toList());
		return connectors;
	}

	/**
	 * Redirects as paths ({@code Location: /app/login}), which the client resolves against the URL
	 * it used, as a WebFlux application writes them, unless
	 * {@code server.tomcat.use-relative-redirects} says otherwise: Tomcat's absolute redirects are
	 * built from the {@code Host} the proxy passes, which Debian's {@code uwsgi_params} send without
	 * the port, and would send clients of a proxy on another port than 80 or 443 astray.
	 */
	@Bean
	WebServerFactoryCustomizer<TomcatWebServerFactory> uwsgiTomcatRelativeRedirects(ConfigurableEnvironment environment) {
		return new RelativeRedirects(!environment.containsProperty("server.tomcat.use-relative-redirects"));
	}

	static final class RelativeRedirects implements WebServerFactoryCustomizer<TomcatWebServerFactory>, Ordered {

		private final boolean apply;

		RelativeRedirects(boolean apply) {
			this.apply = apply;
		}

		@Override
		public void customize(TomcatWebServerFactory factory) {
			if (this.apply) {
				factory.addContextCustomizers((context) -> context.setUseRelativeRedirects(true));
			}
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

	/**
	 * The session cookie's path carries the mount prefix ({@code SCRIPT_NAME}), as the context path
	 * the application sees does.
	 */
	@Bean
	WebServerFactoryCustomizer<TomcatWebServerFactory> uwsgiTomcatSessionCookiePath() {
		return new SessionCookiePath();
	}

	static final class SessionCookiePath implements WebServerFactoryCustomizer<TomcatWebServerFactory>, Ordered {

		@Override
		public void customize(TomcatWebServerFactory factory) {
			factory.addContextCustomizers((context) -> {
				// Tomcat makes its default processor only when the context starts, when none is set
				CookieProcessor processor = (context.getCookieProcessor() != null) ? context.getCookieProcessor()
						: new Rfc6265CookieProcessor();
				context.setCookieProcessor(new UwsgiMountPrefixCookieProcessor(processor, context));
			});
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

	@Bean
	ProtocolHandlerCustomizersForUwsgi uwsgiTomcatProtocolHandlerCustomizers(UwsgiTomcatConnectors connectors) {
		return new ProtocolHandlerCustomizersForUwsgi(connectors);
	}

	/**
	 * Hands the web server factory's protocol handler customizers to the uwsgi connectors, once
	 * every other customizer has added its own.
	 */
	static final class ProtocolHandlerCustomizersForUwsgi
			implements WebServerFactoryCustomizer<TomcatWebServerFactory>, Ordered {

		private final UwsgiTomcatConnectors connectors;

		ProtocolHandlerCustomizersForUwsgi(UwsgiTomcatConnectors connectors) {
			this.connectors = connectors;
		}

		@Override
		public void customize(TomcatWebServerFactory factory) {
			this.connectors.setProtocolHandlerCustomizers(new ArrayList<>(factory.getProtocolHandlerCustomizers()));
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

}
