package io.github.uwsgispringboot.demo.mvc;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Spring Security, configured as for any Spring MVC application: form login with CSRF protection
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
	SecurityFilterChain secureArea(HttpSecurity http) throws Exception {
		return http.securityMatcher("/secure/**", "/login", "/logout", "/default-ui.css")
			.authorizeHttpRequests((requests) -> requests.requestMatchers("/secure/**").authenticated()
				.anyRequest().permitAll())
			.formLogin(Customizer.withDefaults())
			.logout(Customizer.withDefaults())
			.build();
	}

	/**
	 * One user, "demo" with password "demo". {@code {noop}} stores the password in clear text:
	 * fine for a demo, never for a real application (use {@code {bcrypt}} hashes).
	 */
	@Bean
	InMemoryUserDetailsManager users() {
		return new InMemoryUserDetailsManager(User.withUsername("demo").password("{noop}demo").roles("USER").build());
	}

}
