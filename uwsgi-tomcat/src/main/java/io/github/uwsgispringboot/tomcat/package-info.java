/**
 * A Tomcat connector for the uwsgi protocol: a Coyote protocol handler that sits where AJP's
 * would, so that nginx ({@code uwsgi_pass}), Apache ({@code mod_proxy_uwsgi}) or the uWSGI router
 * can serve any servlet application running in Tomcat.
 * <p>
 * {@link io.github.uwsgispringboot.tomcat.UwsgiNioProtocol} is the protocol handler; the protocol
 * rules (framing, vars, limits, refusals, response rules) come from the Spring-free
 * {@code io.github.uwsgispringboot.protocol} core that the Netty server uses too.
 */
package io.github.uwsgispringboot.tomcat;
