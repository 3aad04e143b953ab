/**
 * Test support: {@link io.github.uwsgispringboot.test.UwsgiClientHttpConnector} lets
 * {@code WebClient} and {@code WebTestClient} send requests to a uwsgi listener the way nginx does,
 * with no proxy, and {@link io.github.uwsgispringboot.test.LocalUwsgiPort} injects the port a test
 * server bound.
 */
package io.github.uwsgispringboot.test;
