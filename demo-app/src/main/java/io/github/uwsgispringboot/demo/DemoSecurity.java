package io.github.uwsgispringboot.demo;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;

/**
 * Spring Security, configured as for any WebFlux application: form login with CSRF protection
 * and a session cookie for the {@code /secure/**} area. Nothing here knows about uwsgi; redirects
 * keep the context path nginx sent as {@code SCRIPT_NAME}, and the session cookie is
 * {@code Secure} when nginx said {@code HTTPS=on}.
 */
@Configuration(proxyBeanMethods = false)
class DemoSecurity {

	/**
	 * Only the secure area, the login and logout pages and the login page's stylesheet go through
	 * Spring Security. The rest of the demo stays public and free of CSRF checks, so that it can be
	 * tried with curl.
	 */
	@Bean
	SecurityWebFilterChain secureArea(ServerHttpSecurity http) {
		return http
			.securityMatcher(ServerWebExchangeMatchers.pathMatchers("/secure/**", "/login", "/logout", "/default-ui.css"))
			.authorizeExchange((exchanges) -> exchanges.pathMatchers("/secure/**").authenticated()
				.anyExchange().permitAll())
			.formLogin(Customizer.withDefaults())
			.logout(Customizer.withDefaults())
			.build();
	}

	/**
	 * One user, "demo" with password "demo". {@code {noop}} stores the password in clear text:
	 * fine for a demo, never for a real application (use {@code {bcrypt}} hashes).
	 */
	@Bean
	MapReactiveUserDetailsService users() {
		return new MapReactiveUserDetailsService(
				User.withUsername("demo").password("{noop}demo").roles("USER").build());
	}

}
