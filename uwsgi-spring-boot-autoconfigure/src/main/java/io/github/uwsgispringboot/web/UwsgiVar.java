package io.github.uwsgispringboot.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * Binds a controller method parameter to a uwsgi var the proxy sent, such as a custom
 * {@code uwsgi_param TENANT $tenant;}: the last value sent for the name.
 * <pre class="code">
 * &#64;GetMapping("/orders")
 * Flux&lt;Order&gt; orders(&#64;UwsgiVar("TENANT") String tenant) { ... }
 * </pre>
 * A missing required var (or a request that did not arrive over uwsgi) is answered 400.
 * A parameter of type {@link io.github.uwsgispringboot.protocol.UwsgiVars} needs no annotation and
 * receives every var.
 */
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface UwsgiVar {

	/**
	 * Return the name of the var, as sent (case-sensitive).
	 * @return the var name
	 */
	String value();

	/**
	 * Return whether the var must be present.
	 * @return {@code false} to receive {@code null} when it is missing
	 */
	boolean required() default true;

}
