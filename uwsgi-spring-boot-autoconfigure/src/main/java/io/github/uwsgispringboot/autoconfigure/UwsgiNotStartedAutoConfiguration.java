package io.github.uwsgispringboot.autoconfigure;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.util.ClassUtils;

import io.github.uwsgispringboot.protocol.UwsgiListenerStatus;

/**
 * Says at start-up why no uwsgi listener was started in an application that has the starter and
 * does not turn it off ({@code uwsgi.enabled=false}): not a web application, or one on a server the
 * starter does not support.
 */
@AutoConfiguration(after = { UwsgiAutoConfiguration.class, UwsgiTomcatAutoConfiguration.class })
@ConditionalOnBooleanProperty(name = "uwsgi.enabled", matchIfMissing = true)
@ConditionalOnMissingBean(UwsgiListenerStatus.class)
public final class UwsgiNotStartedAutoConfiguration {

	private static final Log logger = LogFactory.getLog(UwsgiNotStartedAutoConfiguration.class);

	@Bean
	SmartInitializingSingleton uwsgiNotStartedReport(ApplicationContext context) {
		return () -> logger.warn("No uwsgi listener started: " + reason(context)
				+ ". Set uwsgi.enabled=false to silence this.");
	}

	static String reason(ApplicationContext context) {
		ClassLoader classLoader = context.getClassLoader();
		boolean servletContext = isInstance("org.springframework.web.context.WebApplicationContext", context, classLoader);
		boolean reactiveContext = isInstance("org.springframework.boot.web.context.reactive.ReactiveWebApplicationContext",
				context, classLoader);
		if (servletContext) {
			if (!ClassUtils.isPresent("org.apache.catalina.startup.Tomcat", classLoader)) {
				return "this Spring MVC application does not run on Tomcat (Jetty is not supported yet: replace "
						+ "spring-boot-starter-jetty with spring-boot-starter-tomcat)";
			}
			return "this servlet application's web server is not Tomcat, or the uwsgi Tomcat connector "
					+ "(uwsgi-tomcat) is missing from the class path";
		}
		if (reactiveContext) {
			return "this WebFlux application does not run on Reactor Netty (the uwsgi listener for WebFlux needs "
					+ "reactor-netty-http), or it has no HttpHandler";
		}
		return "this is not a web application (add spring-boot-starter-web for Spring MVC on Tomcat, or "
				+ "spring-boot-starter-webflux for WebFlux on Reactor Netty)";
	}

	private static boolean isInstance(String type, Object candidate, ClassLoader classLoader) {
		return ClassUtils.isPresent(type, classLoader)
				&& ClassUtils.resolveClassName(type, classLoader).isInstance(candidate);
	}

}
