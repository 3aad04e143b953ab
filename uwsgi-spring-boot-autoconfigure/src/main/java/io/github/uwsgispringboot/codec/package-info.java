/**
 * The uwsgi protocol as Netty handlers, with no Spring dependency: a thin adapter over the
 * protocol core ({@code io.github.uwsgispringboot.protocol}), which holds the rules.
 * <p>
 * {@link io.github.uwsgispringboot.codec.UwsgiRequestDecoder} turns a uwsgi packet (header, vars,
 * body) into Netty HTTP messages, {@link io.github.uwsgispringboot.codec.UwsgiResponseEncoder}
 * writes an HTTP/1.1 response the way uwsgi peers expect it (never chunked, never a 1xx other than
 * 101), and {@link io.github.uwsgispringboot.codec.UwsgiServerCodec} combines both with the
 * protocol's one-request-per-connection, lingering-close semantics.
 * {@link io.github.uwsgispringboot.codec.UwsgiRequestEncoder} writes packets, for tests and clients.
 */
package io.github.uwsgispringboot.codec;
