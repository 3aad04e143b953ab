package io.github.uwsgispringboot.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.github.uwsgispringboot.actuate.UwsgiServerMeters;

/**
 * Micrometer meters of the uwsgi listener, when the application has a {@link MeterRegistry}
 * (Spring Boot Actuator).
 */
@AutoConfiguration(afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
		beforeName = "io.github.uwsgispringboot.autoconfigure.UwsgiAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
public final class UwsgiMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	UwsgiServerMeters uwsgiServerMeters(MeterRegistry registry) {
		return new UwsgiServerMeters(registry);
	}

}
