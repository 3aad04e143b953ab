package io.github.uwsgispringboot.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;

import io.github.uwsgispringboot.web.UwsgiVarsArgumentResolver;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * Lets annotated controllers take {@code UwsgiVars} and {@code @UwsgiVar} parameters.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(WebFluxConfigurer.class)
public final class UwsgiWebFluxAutoConfiguration {

	@Bean
	WebFluxConfigurer uwsgiVarsWebFluxConfigurer() {
		return new WebFluxConfigurer() {

			@Override
			public void configureArgumentResolvers(ArgumentResolverConfigurer configurer) {
				configurer.addCustomResolver(new UwsgiVarsArgumentResolver());
			}

		};
	}

}
