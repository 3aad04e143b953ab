/**
 * A Reactor Netty server that speaks uwsgi instead of HTTP/1.1 and serves a Spring
 * {@link org.springframework.http.server.reactive.HttpHandler}, over TCP and unix sockets.
 */
package io.github.uwsgispringboot.server;
