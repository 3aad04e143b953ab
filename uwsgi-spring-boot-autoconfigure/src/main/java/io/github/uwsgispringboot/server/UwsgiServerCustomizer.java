package io.github.uwsgispringboot.server;

import reactor.netty.http.server.HttpServer;

/**
 * Customizes the Reactor Netty {@link HttpServer} of each uwsgi listener before it binds, as
 * Spring Boot's {@code NettyServerCustomizer} does for the HTTP server: declare one as a bean.
 * The uwsgi codec is already in place; replacing {@code doOnChannelInit} or the handler would
 * remove it.
 */
@FunctionalInterface
public interface UwsgiServerCustomizer {

	/**
	 * Customize a listener.
	 * @param server the listener's server
	 * @return the customized server
	 */
	HttpServer apply(HttpServer server);

}
