package dev.quarry.insights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.query.schema.QuerySchema;
import dev.quarry.web.ValidationException;
import org.junit.jupiter.api.Test;

/**
 * The {@link TrendsQuery} record: what PostHog's clients send parses once; every unknown, malformed or uncomputed
 * field, at any depth, is a 400 naming it.
 */
class TrendsQueryRecordTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TrendsQuery parse(String text) {
        try {
            JsonNode node = JSON.readTree(text.replace('\'', '"'));
            return QuerySchema.parse(node, TrendsQuery.class, "TrendsQuery");
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String refused(String text) {
        return assertThrows(ValidationException.class, () -> {
            TrendsQuery q = parse(text);
            q.checkSupported();
            q.filter().formulasToApply();
            Breakdown.of(q.breakdownFilter(), Breakdown.TRENDS);
        }).attr();
    }

    @Test
    void parsesWhatPostHogsClientsSend() {
        TrendsQuery q = parse("{'kind':'TrendsQuery','dateRange':{'date_from':'-30d'},'interval':'week',"
                + "'series':[{'kind':'EventsNode','event':'$pageview','math':'dau'},{'kind':'EventsNode','event':null}],"
                + "'trendsFilter':{'display':'BoldNumber','formulaNodes':[{'formula':'A/B','custom_name':'Ratio'}],"
                + "'showLegend':true,'smoothingIntervals':1,'aggregationAxisFormat':'numeric'},"
                + "'breakdownFilter':{'breakdowns':[{'property':'$browser','type':'event'}],'breakdown_limit':5},"
                + "'compareFilter':{'compare':true,'compare_to':'-1w'},'filterTestAccounts':true,"
                + "'properties':[],'modifiers':{},'samplingFactor':null,'version':2,'tags':{'productKey':'x'}}");
        q.checkSupported();
        assertEquals("week", q.interval());
        assertEquals(2, q.series().size());
        assertEquals("BoldNumber", q.filter().display());
        assertEquals(java.util.List.of(new TrendsQuery.FormulaNode("A/B", "Ratio")), q.filter().formulasToApply());
        assertEquals("Ratio", q.filter().formulasToApply().get(0).label());
        assertTrue(q.compare().on());
        assertEquals("-1w", q.compare().compareTo());
        assertEquals(new Breakdown("event", "$browser", java.util.List.of(), 5, false),
                Breakdown.of(q.breakdownFilter(), Breakdown.TRENDS));
        TrendsQuery bare = parse("{'kind':'TrendsQuery','series':[{'event':'a'}]}");
        assertTrue(bare.filter().formulasToApply().isEmpty());
        assertEquals(false, bare.compare().on());
    }

    @Test
    void wrongFieldsAre400NamingThem() {
        assertEquals("somethingNew", refused("{'series':[],'somethingNew':1}"));
        assertEquals("colour", refused("{'trendsFilter':{'colour':'red'}}"));
        assertEquals("formulas", refused("{'trendsFilter':{'formulas':['A+B', '']}}"));
        assertEquals("smoothingIntervals", refused("{'trendsFilter':{'smoothingIntervals':7}}"));
        assertEquals("smoothingIntervals", refused("{'trendsFilter':{'smoothingIntervals':'x'}}"));
        assertEquals("formulaNodes", refused("{'trendsFilter':{'formulaNodes':[{'formula':'A'},{'custom_name':'B'}]}}"));
        assertEquals("name", refused("{'trendsFilter':{'formulaNodes':[{'formula':'A','name':'x'}]}}"));
        assertEquals("compare_against", refused("{'compareFilter':{'compare':true,'compare_against':'x'}}"));
        assertEquals("breakdown_limit", refused("{'breakdownFilter':{'breakdown':'a','breakdown_limit':0}}"));
        assertEquals("aggregation_group_type_index", refused("{'aggregation_group_type_index':1}"));
        assertEquals("samplingFactor", refused("{'samplingFactor':0.1}"));
        assertEquals("series", refused("{'series':{'event':'a'}}"));
        assertEquals("filterTestAccounts", refused("{'filterTestAccounts':{'a':1}}"));
    }
}
