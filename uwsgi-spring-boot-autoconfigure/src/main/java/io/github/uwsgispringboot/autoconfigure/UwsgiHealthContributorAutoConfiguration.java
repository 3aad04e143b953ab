package io.github.uwsgispringboot.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

import io.github.uwsgispringboot.actuate.UwsgiServerHealthIndicator;
import io.github.uwsgispringboot.protocol.UwsgiListenerStatus;

/**
 * The health indicator of the uwsgi listener, named {@code uwsgi}; turned off with
 * {@code management.health.uwsgi.enabled=false}.
 */
@AutoConfiguration(after = { UwsgiAutoConfiguration.class, UwsgiTomcatAutoConfiguration.class })
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(UwsgiListenerStatus.class)
@ConditionalOnEnabledHealthIndicator("uwsgi")
public final class UwsgiHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "uwsgiHealthIndicator")
	UwsgiServerHealthIndicator uwsgiHealthIndicator(UwsgiListenerStatus uwsgiServer) {
		return new UwsgiServerHealthIndicator(uwsgiServer);
	}

}
