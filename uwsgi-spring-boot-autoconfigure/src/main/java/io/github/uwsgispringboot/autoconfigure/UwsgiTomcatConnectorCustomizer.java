package io.github.uwsgispringboot.autoconfigure;

import org.apache.catalina.connector.Connector;

/**
 * Customizes the uwsgi connectors of a Spring MVC application on Tomcat, and only them: what
 * {@code UwsgiServerCustomizer} is to the WebFlux listener. Beans of this type are applied to each
 * uwsgi connector (TCP and unix socket) after {@code uwsgi.*} and Spring Boot's thread settings,
 * before it starts. The connector's protocol handler is a
 * {@link io.github.uwsgispringboot.tomcat.UwsgiNioProtocol}.
 */
@FunctionalInterface
public interface UwsgiTomcatConnectorCustomizer {

	/**
	 * Customize a uwsgi connector.
	 * @param connector the connector, not started yet
	 */
	void customize(Connector connector);

}
