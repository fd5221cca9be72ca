package dev.quarry.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The one place where failures become HTTP responses, always in PostHog's error shape. */
public class ApiExceptionMapper {
    private static final Logger LOG = Logger.getLogger(ApiExceptionMapper.class);

    @ServerExceptionMapper
    public Response apiException(ApiException e) {
        Response.ResponseBuilder builder = Response.status(e.status()).type(MediaType.APPLICATION_JSON).entity(e.body());
        if (e instanceof ThrottledException throttled) {
            builder.header("Retry-After", throttled.retryAfterSeconds());
        }
        if (e instanceof ServiceUnavailableException unavailable) {
            builder.header("Retry-After", unavailable.retryAfterSeconds());
        }
        if (e.status() == 401) {
            builder.header("WWW-Authenticate", "Bearer");
        }
        return builder.build();
    }

    @ServerExceptionMapper
    public Response jsonParse(JsonProcessingException e) {
        return apiException(new ParseErrorException("JSON parse error - "
                + JsonErrors.clean(firstLine(e.getOriginalMessage()))));
    }

    /** Jackson binding a body onto a record (wrong type for a field): Quarkus's own mapper's body is not PostHog's. */
    @ServerExceptionMapper
    public Response jsonMismatch(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        String path = e.getPath().isEmpty() ? null : e.getPath().get(e.getPath().size() - 1).getFieldName();
        return apiException(new ParseErrorException("JSON parse error - " + JsonErrors.describe(e)
                + (path == null ? "" : " (field " + path + ")"), path));
    }

    /**
     * No resource method matched: PostHog's 404. (A method the route does not take never gets here: it is answered
     * before routing, after the key and project checks, by {@code auth.AuthFilter.wrongMethod}.)
     */
    @ServerExceptionMapper
    public Response notFound(jakarta.ws.rs.NotFoundException e) {
        return apiException(new NotFoundException());
    }

    /** No resource method takes the request's method on a path that exists: DRF's 405 naming the method sent. */
    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e, jakarta.ws.rs.core.Request request) {
        return apiException(new MethodNotAllowedException(request.getMethod()));
    }

    /**
     * No resource method consumes the body's media type: DRF's 415 naming the Content-Type as sent
     * ({@link UnsupportedMediaTypeException}).
     */
    @ServerExceptionMapper
    public Response unsupportedMediaType(NotSupportedException e, jakarta.ws.rs.core.HttpHeaders headers) {
        return apiException(new UnsupportedMediaTypeException(headers.getHeaderString("Content-Type")));
    }

    @ServerExceptionMapper(priority = 5000)
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        if (status >= 500) {
            return serverError(e);
        }
        if (e.getCause() instanceof JsonProcessingException jpe) {
            return jsonParse(jpe);
        }
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(new ApiError("invalid_request", "invalid_request", e.getMessage(), null)).build();
    }

    @ServerExceptionMapper(priority = 6000)
    public Response serverError(Throwable e) {
        if (e instanceof StackOverflowError) {
            // Input nested so deeply (a chain of 50,000 NOTs, unary minuses or operators) that a recursive stage
            // ran out of stack: the input's fault, and the thread is whole again once the error has unwound.
            LOG.warn("Input nested too deeply: stack overflow while handling the request");
            return apiException(new ValidationException("nested_too_deeply", "Input is nested too deeply.", null));
        }
        String charset = unknownFormCharset(e);
        if (charset != null) {
            // RESTEasy's form decoder reads a form in the Content-Type's charset and knows Java's names only
            return apiException(new ValidationException("invalid_input",
                    "Unsupported charset in form body: " + charset + " (use utf-8 or a name Java knows, e.g. iso-8859-1).",
                    null));
        }
        if (isBadFormEncoding(e)) {
            // a form body with a broken %-escape (data=%zz%): Quarkus's form decoder refuses it before any resource
            return apiException(new ValidationException("invalid_input",
                    "Malformed form body: invalid percent-encoding.", null));
        }
        if (isMultipartFailure(e)) {
            // a multipart body that ends before its closing boundary, read by RESTEasy's own multipart parser before
            // a resource that takes the body as bytes (capture's) sees it
            return apiException(new ParseErrorException(FormBody.MALFORMED_MULTIPART));
        }
        if (isFormFieldLimit(e)) {
            // a form body of more fields than RESTEasy's form decoder takes (1,000, Django's DATA_UPLOAD_MAX_NUMBER_FIELDS
            // too), refused by it before any resource or filter
            return apiException(new ValidationException("too_many_fields", FormBody.TOO_MANY_FIELDS, null));
        }
        ApiException known = DatabaseFailures.classify(e);
        if (known != null) {
            if (known instanceof ServiceUnavailableException) {
                LOG.warnf("Database unavailable: %s", DatabaseFailures.describe(e));
            }
            return apiException(known);
        }
        LOG.error("Unhandled error", e);
        return Response.status(500).type(MediaType.APPLICATION_JSON)
                .entity(new ApiError("server_error", "error", "A server error occurred.", null)).build();
    }

    private static boolean isBadFormEncoding(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IllegalArgumentException) {
                for (StackTraceElement frame : t.getStackTrace()) {
                    if (frame.getClassName().contains("FormEncodedDataDefinition")
                            || frame.getClassName().endsWith("URLUtils")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The charset name a form decoder did not know, or null when {@code e} is not that. */
    private static String unknownFormCharset(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String name = t instanceof java.nio.charset.UnsupportedCharsetException unknown ? unknown.getCharsetName()
                    : t instanceof java.nio.charset.IllegalCharsetNameException illegal ? illegal.getCharsetName() : null;
            if (name != null && java.util.Arrays.stream(t.getStackTrace())
                    .anyMatch(frame -> frame.getClassName().contains("FormEncodedDataDefinition")
                            || frame.getClassName().contains(".multipart."))) {
                return name;
            }
        }
        return null;
    }

    private static boolean isMultipartFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.io.IOException) {
                for (StackTraceElement frame : t.getStackTrace()) {
                    if (frame.getClassName().contains(".multipart.MultiPartParserDefinition")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean isFormFieldLimit(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && t.getMessage().startsWith("Param limit of")) {
                for (StackTraceElement frame : t.getStackTrace()) {
                    if (frame.getClassName().endsWith(".multipart.FormData")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed JSON";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
