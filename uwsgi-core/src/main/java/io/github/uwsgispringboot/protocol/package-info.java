/**
 * The uwsgi protocol rules, in one place for both servers, free of Spring, Netty and Tomcat.
 * <p>
 * {@link io.github.uwsgispringboot.protocol.UwsgiPacketHeader} reads the 4-byte packet header
 * (ping, plain HTTP, unsupported modifiers, the vars block's size);
 * {@link io.github.uwsgispringboot.protocol.UwsgiRequest} reads a vars block into the request both
 * servers serve (method, request target, headers, client address, scheme, host, context path),
 * under the {@link io.github.uwsgispringboot.protocol.UwsgiLimits}; every input refused is a
 * {@link io.github.uwsgispringboot.protocol.UwsgiProtocolException} whose reason tells the outcome
 * and is logged by {@link io.github.uwsgispringboot.protocol.UwsgiRefusalLog};
 * {@link io.github.uwsgispringboot.protocol.UwsgiAccessPolicy} decides who may send requests; and
 * {@link io.github.uwsgispringboot.protocol.UwsgiResponseRules} says what a response to a uwsgi peer
 * may contain. The Netty codec ({@code io.github.uwsgispringboot.codec}) and the Tomcat connector
 * ({@code io.github.uwsgispringboot.tomcat}) adapt these to their servers.
 */
package io.github.uwsgispringboot.protocol;
