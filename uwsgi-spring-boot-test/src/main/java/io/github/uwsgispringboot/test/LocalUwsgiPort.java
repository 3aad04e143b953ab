package io.github.uwsgispringboot.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.beans.factory.annotation.Value;

import io.github.uwsgispringboot.autoconfigure.UwsgiServerLifecycle;

/**
 * Injects the TCP port the uwsgi server is listening on, for tests that bind any free port with
 * {@code uwsgi.port=0}: the uwsgi counterpart of Spring Boot's {@code @LocalServerPort}, and a
 * shortcut for {@code @Value("${local.uwsgi.port}")}.
 * <pre class="code">
 * &#64;SpringBootTest(properties = "uwsgi.port=0")
 * class MyTests {
 *
 *     &#64;LocalUwsgiPort
 *     int uwsgiPort;
 *
 * }
 * </pre>
 */
@Target({ ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Value("${" + UwsgiServerLifecycle.LOCAL_PORT_PROPERTY + "}")
public @interface LocalUwsgiPort {

}
