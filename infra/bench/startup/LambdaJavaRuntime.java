import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * What Lambda's managed Java runtime does with a function, in miniature: load the handler class named by
 * `Class::method`, then loop on the runtime API (AWS_LAMBDA_RUNTIME_API) - GET the next event, call
 * handleRequest(InputStream, OutputStream, Context), POST the output back. Started by StartupBench as the child
 * process with the function's classpath (the runner jar and its lib/), like the java21 runtime with function.zip.
 */
public class LambdaJavaRuntime {
    public static void main(String[] args) throws Exception {
        String[] handler = args[0].split("::");
        String api = "http://" + System.getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/";
        Class<?> type = Class.forName(handler[0]);
        Object instance = type.getConstructor().newInstance(); // init phase: static and constructor work
        Class<?> contextType = Class.forName("com.amazonaws.services.lambda.runtime.Context");
        Method method = type.getMethod(handler[1], InputStream.class, OutputStream.class, contextType);
        while (true) {
            HttpURLConnection next = (HttpURLConnection) URI.create(api + "next").toURL().openConnection();
            byte[] event;
            try (InputStream in = next.getInputStream()) {
                event = in.readAllBytes();
            }
            String requestId = next.getHeaderField("Lambda-Runtime-Aws-Request-Id");
            long deadline = Long.parseLong(next.getHeaderField("Lambda-Runtime-Deadline-Ms"));
            Object context = Proxy.newProxyInstance(contextType.getClassLoader(), new Class<?>[] {contextType},
                    (proxy, m, a) -> switch (m.getName()) {
                        case "getAwsRequestId" -> requestId;
                        case "getRemainingTimeInMillis" -> (int) (deadline - System.currentTimeMillis());
                        case "getMemoryLimitInMB" -> 1024;
                        case "getFunctionName" -> "quarry-bench";
                        case "getInvokedFunctionArn" -> next.getHeaderField("Lambda-Runtime-Invoked-Function-Arn");
                        default -> null;
                    });
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            method.invoke(instance, new ByteArrayInputStream(event), out, context);
            HttpURLConnection response = (HttpURLConnection) URI.create(api + requestId + "/response").toURL().openConnection();
            response.setRequestMethod("POST");
            response.setDoOutput(true);
            try (OutputStream o = response.getOutputStream()) {
                out.writeTo(o);
            }
            response.getResponseCode();
        }
    }
}
