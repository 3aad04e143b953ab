/**
 * Spring WebFlux support for handlers of uwsgi requests: controller parameters bound to uwsgi vars.
 */
package io.github.uwsgispringboot.web;
