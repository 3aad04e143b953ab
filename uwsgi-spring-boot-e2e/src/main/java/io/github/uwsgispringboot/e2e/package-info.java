/**
 * End-to-end test support for the demo applications, not published: real nginx, Apache httpd and
 * uWSGI router processes run from the configuration directories of the demo application under test
 * ({@code nginx/}, {@code apache/}, {@code uwsgi-router/}, relative to the working directory, the
 * module's directory under Maven), and the checks every demo application must pass through each of
 * them.
 */
package io.github.uwsgispringboot.e2e;
