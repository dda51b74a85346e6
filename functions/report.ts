import { cloudEvent } from '@google-cloud/functions-framework';
import { FUNCTIONS, TOPICS } from '../shared/chain/topology.js';
import { pubsubHandler } from '../shared/chain/delivery/handler.js';
import { services } from '../shared/composition.js';

cloudEvent(FUNCTIONS.report, pubsubHandler(TOPICS.analysisFinished, services, (m, id) => services().report(m, id)));
