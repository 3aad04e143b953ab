package io.github.uwsgispringboot.web;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.core.MethodParameter;
import org.springframework.web.bind.ServletRequestBindingException;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

import io.github.uwsgispringboot.protocol.UwsgiRequest;
import io.github.uwsgispringboot.protocol.UwsgiVars;

/**
 * Resolves {@link UwsgiVars} parameters and {@link UwsgiVar}-annotated {@code String} parameters
 * of Spring MVC controllers, from the request the uwsgi Tomcat connector exposes as the
 * {@link UwsgiRequest#ATTRIBUTE} request attribute.
 */
public class UwsgiVarServletArgumentResolver implements HandlerMethodArgumentResolver {

	@Override
	public boolean supportsParameter(MethodParameter parameter) {
		return parameter.getParameterType() == UwsgiVars.class
				|| (parameter.hasParameterAnnotation(UwsgiVar.class) && parameter.getParameterType() == String.class);
	}

	@Override
	public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer mavContainer,
			NativeWebRequest webRequest, WebDataBinderFactory binderFactory) throws Exception {
		HttpServletRequest request = webRequest.getNativeRequest(HttpServletRequest.class);
		Object uwsgi = (request != null) ? request.getAttribute(UwsgiRequest.ATTRIBUTE) : null;
		UwsgiVars vars = (uwsgi instanceof UwsgiRequest uwsgiRequest) ? uwsgiRequest.vars() : UwsgiVars.empty();
		if (parameter.getParameterType() == UwsgiVars.class) {
			return vars;
		}
		UwsgiVar annotation = parameter.getParameterAnnotation(UwsgiVar.class);
		String value = vars.get(annotation.value());
		if (value == null && annotation.required()) {
			throw new ServletRequestBindingException("Missing uwsgi var '" + annotation.value() + "'");
		}
		return value;
	}

}
