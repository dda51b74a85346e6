import { cloudEvent } from '@google-cloud/functions-framework';
import { FUNCTIONS, TOPICS } from '../shared/topology.js';
import { pubsubHandler } from '../shared/pubsub/handler.js';
import { services } from '../shared/wiring.js';

cloudEvent(FUNCTIONS.control, pubsubHandler(TOPICS.loopControl, services, (m) => services().control(m)));
