package io.github.uwsgispringboot.web;

import reactor.core.publisher.Mono;

import org.springframework.core.MethodParameter;
import org.springframework.web.reactive.BindingContext;
import org.springframework.web.reactive.result.method.HandlerMethodArgumentResolver;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;

import io.github.uwsgispringboot.protocol.UwsgiVars;
import io.github.uwsgispringboot.server.UwsgiRequests;

/**
 * Resolves {@link UwsgiVars} parameters and {@link UwsgiVar}-annotated {@code String} parameters
 * of annotated controllers.
 */
public class UwsgiVarsArgumentResolver implements HandlerMethodArgumentResolver {

	@Override
	public boolean supportsParameter(MethodParameter parameter) {
		return parameter.getParameterType() == UwsgiVars.class
				|| (parameter.hasParameterAnnotation(UwsgiVar.class) && parameter.getParameterType() == String.class);
	}

	@Override
	public Mono<Object> resolveArgument(MethodParameter parameter, BindingContext bindingContext,
			ServerWebExchange exchange) {
		UwsgiVars vars = UwsgiRequests.vars(exchange.getRequest());
		if (parameter.getParameterType() == UwsgiVars.class) {
			return Mono.just(vars);
		}
		UwsgiVar annotation = parameter.getParameterAnnotation(UwsgiVar.class);
		String value = vars.get(annotation.value());
		if (value == null && annotation.required()) {
			return Mono.error(new ServerWebInputException("Missing uwsgi var '" + annotation.value() + "'", parameter));
		}
		return Mono.justOrEmpty(value);
	}

}
