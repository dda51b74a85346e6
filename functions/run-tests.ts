import { cloudEvent } from '@google-cloud/functions-framework';
import { FUNCTIONS, TOPICS } from '../shared/topology.js';
import { pubsubHandler } from '../shared/pubsub/handler.js';
import { services } from '../shared/wiring.js';

cloudEvent(FUNCTIONS.runTests, pubsubHandler(TOPICS.deployFinished, services, (m, id) => services().runTests(m, id)));
