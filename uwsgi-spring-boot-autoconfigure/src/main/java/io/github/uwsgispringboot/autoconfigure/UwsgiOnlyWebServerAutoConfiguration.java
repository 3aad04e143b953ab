package io.github.uwsgispringboot.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.reactive.ReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;

/**
 * An application served over uwsgi only: with {@code server.port=-1} the reactive application
 * context gets a web server that listens nowhere, instead of an HTTP server that would fail on
 * port -1. The application's {@code HttpHandler} is still built and served by the uwsgi listener.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(ReactiveWebServerFactory.class)
@ConditionalOnBooleanProperty(name = "uwsgi.enabled", matchIfMissing = true)
@ConditionalOnProperty(name = "server.port", havingValue = "-1")
public final class UwsgiOnlyWebServerAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(ReactiveWebServerFactory.class)
	ReactiveWebServerFactory uwsgiOnlyWebServerFactory() {
		return (httpHandler) -> new NoHttpWebServer();
	}

	/**
	 * The HTTP server of an application that has none.
	 */
	static final class NoHttpWebServer implements WebServer {

		@Override
		public void start() {
		}

		@Override
		public void stop() {
		}

		@Override
		public int getPort() {
			return -1;
		}

	}

}
