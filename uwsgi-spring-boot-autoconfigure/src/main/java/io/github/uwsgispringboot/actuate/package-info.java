/**
 * Actuator support for the uwsgi listener: Micrometer meters and a health indicator.
 */
package io.github.uwsgispringboot.actuate;
