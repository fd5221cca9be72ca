import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What Lambda's managed Java runtime does with a function, in miniature: the function's code is not on the JVM's class
 * path but in a class loader of its own over $LAMBDA_TASK_ROOT/ (function.zip unpacked: the runner jar's classes) and
 * $LAMBDA_TASK_ROOT/lib/*.jar in name order, as the runtime interface client's CustomerClassLoader does; load the handler
 * class named by `Class::method` there, then loop on the runtime API (AWS_LAMBDA_RUNTIME_API) - GET the next event, call
 * handleRequest(InputStream, OutputStream, Context), POST the output back. Started by StartupBench as the child process
 * with only this driver's jar on the class path.
 */
public class LambdaJavaRuntime {
    public static void main(String[] args) throws Exception {
        String[] handler = args[0].split("::");
        String api = "http://" + System.getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/";
        File taskRoot = new File(System.getenv("LAMBDA_TASK_ROOT"));
        List<URL> urls = new ArrayList<>();
        urls.add(new URL("file", null, -1, taskRoot.getPath() + "/"));
        String[] jars = new File(taskRoot, "lib").list((dir, name) -> name.endsWith(".jar"));
        Arrays.sort(jars);
        for (String jar : jars) {
            urls.add(new URL("file", null, -1, taskRoot.getPath() + "/lib/" + jar));
        }
        ClassLoader function = new URLClassLoader(urls.toArray(URL[]::new), LambdaJavaRuntime.class.getClassLoader());
        Thread.currentThread().setContextClassLoader(function);
        Class<?> type = Class.forName(handler[0], true, function);
        Object instance = type.getConstructor().newInstance(); // init phase: static and constructor work
        Class<?> contextType = Class.forName("com.amazonaws.services.lambda.runtime.Context", false, function);
        Method method = type.getMethod(handler[1], InputStream.class, OutputStream.class, contextType);
        while (true) {
            HttpURLConnection next = (HttpURLConnection) URI.create(api + "next").toURL().openConnection();
            byte[] event;
            try (InputStream in = next.getInputStream()) {
                event = in.readAllBytes();
            }
            String requestId = next.getHeaderField("Lambda-Runtime-Aws-Request-Id");
            long deadline = Long.parseLong(next.getHeaderField("Lambda-Runtime-Deadline-Ms"));
            Object context = Proxy.newProxyInstance(function, new Class<?>[] {contextType},
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
