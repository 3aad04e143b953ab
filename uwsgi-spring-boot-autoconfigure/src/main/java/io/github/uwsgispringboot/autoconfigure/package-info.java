/**
 * Spring Boot auto-configuration of the uwsgi listener, bound to the {@code uwsgi.*} properties.
 */
package io.github.uwsgispringboot.autoconfigure;
