package dev.quarry.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostMultipartRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Locale;
import org.jboss.resteasy.reactive.common.core.BlockingNotAllowedException;

/**
 * Form bodies under {@code /api/}, read as Django REST framework's default parsers read them (PostHog keeps DRF's
 * default {@code FormParser} and {@code MultiPartParser} beside {@code JSONParser}): {@code curl -d distinct_id=x}
 * works on {@code persons/reset_person_distinct_id/} as it does on PostHog. The fields become a JSON object for the
 * endpoint, each name holding the <em>last</em> value sent for it as a string, which is what PostHog's views read
 * ({@code request.data.get(name)} on Django's {@code QueryDict}); a name without {@code =} is a field with the empty
 * string (a JSON text sent with curl's default form type is one field named by the whole text, so the endpoint
 * answers its "required" 400 as PostHog's does). A file part of a multipart body is a 400 naming it: PostHog reads files
 * only as a static cohort's CSV of persons, which Quarry does not take, and dropping it would create the cohort empty.
 *
 * <p>The form is read as Django reads it: {@code &} separates fields ({@code ;} does not), {@code +} is a space,
 * bytes that do not decode in the charset become U+FFFD; the charset is the Content-Type's, UTF-8 when it names none
 * or one Java does not know. (Unlike Django, a {@code %} not followed by two hex digits is a 400 "Malformed form
 * body": Vert.x's own form decoder refuses it before any filter, see {@code ApiExceptionMapper}.) More than
 * {@value #MAX_FIELDS} fields is Django's {@code TooManyFieldsSent}: 400. A multipart body that does not parse is
 * DRF's 400 {@code parse_error} "Multipart form parse error - …". Either error is answered where DRF raises it, when
 * the body is first read ({@link RequestBodyMediaType#refused}): after a key in the Authorization header is checked.
 *
 * <p>The body's size was bounded before ({@link BodySizeLimitFilter}); the fields are read before authentication so
 * that a {@code personal_api_key} field is found as in a JSON body.
 */
public class FormBody {
    /** Django's {@code DATA_UPLOAD_MAX_NUMBER_FIELDS}. */
    static final int MAX_FIELDS = 1000;
    /** Django's {@code TooManyFieldsSent} message. */
    /** DRF's 400 {@code parse_error} for a multipart body that does not parse, with a fixed text of ours. */
    static final String MALFORMED_MULTIPART = "Multipart form parse error - the body is not well-formed "
            + "multipart/form-data (each part needs a name, a known charset and its boundary)";
    static final String TOO_MANY_FIELDS =
            "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS.";
    /** The request property holding the Content-Type as sent of a form body relabelled JSON before routing. */
    public static final String SENT_AS = "quarry.form-body";
    /** The request property holding the error a form body that does not parse gets once read. */
    static final String MALFORMED = "quarry.form-body-malformed";

    /** DRF's form media types: {@code application/x-www-form-urlencoded} and {@code multipart/form-data}. */
    static boolean isForm(MediaType type) {
        return isUrlEncoded(type) || isMultipart(type);
    }

    private static boolean isUrlEncoded(MediaType type) {
        return type.getType().equalsIgnoreCase("application")
                && type.getSubtype().equalsIgnoreCase("x-www-form-urlencoded");
    }

    private static boolean isMultipart(MediaType type) {
        return type.getType().equalsIgnoreCase("multipart") && type.getSubtype().equalsIgnoreCase("form-data");
    }

    /**
     * The form's fields replace the body of a request labelled before routing as a JSON object, once; nothing for
     * other requests. Called by each filter that reads the body (the authentication filter looking for a key, the NUL
     * check), whichever runs first, so that nothing depends on how filters reading the body are sorted.
     */
    public static void readInto(ContainerRequestContext request, ObjectMapper mapper) {
        if (!(request.getProperty(SENT_AS) instanceof String sent) || !request.hasEntity()) {
            return;
        }
        request.removeProperty(SENT_AS);
        byte[] body;
        try (InputStream in = request.getEntityStream()) {
            body = in.readAllBytes();
        } catch (BlockingNotAllowedException e) {
            return; // the route takes no body
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] json;
        try {
            json = asJson(body, sent, mapper);
        } catch (ApiException e) {
            request.setProperty(MALFORMED, e);
            json = new byte[] {'{', '}'};
        }
        request.setEntityStream(new ByteArrayInputStream(json));
    }

    /**
     * The fields of a form body sent with {@code contentType} (one {@link #isForm} accepts) as a JSON object, each name
     * with its last value. Throws the 400s described on the class.
     */
    public static byte[] asJson(byte[] body, String contentType, ObjectMapper mapper) {
        MediaType type = MediaType.valueOf(contentType);
        ObjectNode fields = mapper.createObjectNode();
        if (isMultipart(type)) {
            multipartFields(body, contentType, fields);
        } else {
            urlEncodedFields(body, charsetOf(type), fields);
        }
        try {
            return mapper.writeValueAsBytes(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void urlEncodedFields(byte[] body, Charset charset, ObjectNode fields) {
        // decoded as ISO-8859-1 first so that every byte survives as one char; the escapes and the charset are
        // Netty's decoder's
        String text = new String(body, StandardCharsets.ISO_8859_1);
        int count = text.isEmpty() ? 0 : 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '&') {
                count++;
            }
        }
        if (count > MAX_FIELDS) {
            throw tooManyFields();
        }
        String raw = charset.equals(StandardCharsets.ISO_8859_1) ? text : reencode(text, charset);
        QueryStringDecoder decoder = new QueryStringDecoder(raw, charset, false, MAX_FIELDS + 1, true);
        decoder.parameters().forEach((name, values) -> fields.put(name, values.get(values.size() - 1)));
    }

    /**
     * Bytes above ASCII sent unescaped are escaped, so that Netty's decoder (which reads escapes in the charset but
     * takes other chars as they are) reads them in the charset too.
     */
    private static String reencode(String latin1, Charset charset) {
        StringBuilder out = new StringBuilder(latin1.length());
        for (int i = 0; i < latin1.length(); i++) {
            char c = latin1.charAt(i);
            if (c < 0x80) {
                out.append(c);
            } else {
                out.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            }
        }
        return out.toString();
    }

    private static void multipartFields(byte[] body, String contentType, ObjectNode fields) {
        String boundary = MediaType.valueOf(contentType).getParameters().get("boundary");
        if (boundary == null || boundary.isBlank() || boundary.equals("\"\"")) {
            throw new ParseErrorException("Multipart form parse error - Invalid boundary in multipart: None");
        }
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/",
                Unpooled.wrappedBuffer(body));
        request.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpPostMultipartRequestDecoder decoder = null;
        try {
            decoder = new HttpPostMultipartRequestDecoder(new DefaultHttpDataFactory(false), request,
                    StandardCharsets.UTF_8, MAX_FIELDS + 1, body.length + 1);
            int count = 0;
            for (InterfaceHttpData part : decoder.getBodyHttpDatas()) {
                if (++count > MAX_FIELDS) {
                    throw tooManyFields();
                }
                if (part instanceof Attribute field) {
                    fields.put(field.getName(), field.getValue());
                } else if (part instanceof FileUpload file) {
                    // PostHog reads a file only as a static cohort's CSV of persons, which Quarry does not take:
                    // refused by name rather than dropped (the cohort would be created empty)
                    throw new ValidationException("unsupported_file_upload", "File uploads are not supported: send "
                            + "the field's value as text, not as a file.", file.getName());
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApiException api) {
                throw api;
            }
            // the decoder's own text names its classes and state: a fixed one instead
            throw new ParseErrorException(MALFORMED_MULTIPART);
        } finally {
            if (decoder != null) {
                decoder.destroy();
            }
            request.release();
        }
    }

    private static Charset charsetOf(MediaType type) {
        String name = type.getParameters().get("charset");
        if (name == null) {
            return StandardCharsets.UTF_8;
        }
        try {
            return Charset.forName(name.trim().toLowerCase(Locale.ROOT));
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return StandardCharsets.UTF_8;
        }
    }

    private static ValidationException tooManyFields() {
        return new ValidationException("too_many_fields", TOO_MANY_FIELDS, null);
    }
}
