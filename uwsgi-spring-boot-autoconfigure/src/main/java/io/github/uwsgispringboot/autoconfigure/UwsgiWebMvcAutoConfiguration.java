package io.github.uwsgispringboot.autoconfigure;

import java.util.List;

import jakarta.servlet.DispatcherType;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import io.github.uwsgispringboot.web.UwsgiMountPrefixFilter;
import io.github.uwsgispringboot.web.UwsgiVarServletArgumentResolver;

/**
 * What a Spring MVC application served by the uwsgi Tomcat connector gets: the mount prefix
 * ({@code SCRIPT_NAME}) in front of its context path, and {@code UwsgiVars} and {@code @UwsgiVar}
 * parameters for its controllers.
 */
@AutoConfiguration(after = UwsgiTomcatAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(WebMvcConfigurer.class)
@ConditionalOnBean(UwsgiTomcatConnectors.class)
public final class UwsgiWebMvcAutoConfiguration {

	@Bean
	FilterRegistrationBean<UwsgiMountPrefixFilter> uwsgiMountPrefixFilter() {
		FilterRegistrationBean<UwsgiMountPrefixFilter> registration = new FilterRegistrationBean<>(
				new UwsgiMountPrefixFilter());
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
		registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR,
				DispatcherType.FORWARD, DispatcherType.INCLUDE);
		return registration;
	}

	@Bean
	WebMvcConfigurer uwsgiVarsWebMvcConfigurer() {
		return new WebMvcConfigurer() {

			@Override
			public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
				resolvers.add(new UwsgiVarServletArgumentResolver());
			}

		};
	}

}
